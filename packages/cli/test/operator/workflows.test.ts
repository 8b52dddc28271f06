// `plugboard workflows …`, `runs show` and `files download` against a real platform (built-in
// nodes, plus one plugin node answered by the stand-in Plugin Server), and how the CLI finds the
// platform: flags, environment, connection.json, and the errors when it cannot.
import { once } from 'node:events';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { createServer, type AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  manifest,
  runCli,
  spawnCli,
  startOperatorEnv,
  USER_TOKEN,
  type OperatorEnv,
} from './operator-env.ts';

interface Run {
  id: string;
  status: string;
  outputs?: Record<string, unknown>;
  error?: { code: string; message: string; nodeId?: string };
  nodes: { nodeId: string; status: string }[];
}

const edge = (from: string, output: string, to: string, input: string) => ({
  from: { node: from, output },
  to: { node: to, input },
});

const greeting = {
  name: 'greeting',
  description: 'Says hello',
  graph: {
    nodes: [
      { id: 'in', type: 'core/input', config: { name: 'name', type: 'string' } },
      { id: 'greet', type: 'core/template', config: { template: 'Hello {{ name }}!' } },
      { id: 'out', type: 'core/output', config: { name: 'greeting' } },
      { id: 'count', type: 'core/output', config: { name: 'name_again' } },
    ],
    edges: [
      edge('in', 'value', 'greet', 'name'),
      edge('greet', 'text', 'out', 'value'),
      edge('in', 'value', 'count', 'value'),
    ],
  },
};

const passFile = {
  name: 'pass-file',
  graph: {
    nodes: [
      { id: 'in', type: 'core/input', config: { name: 'doc', type: 'file' } },
      { id: 'out', type: 'core/output', config: { name: 'doc' } },
    ],
    edges: [edge('in', 'value', 'out', 'value')],
  },
};

const waiting = {
  name: 'waiting',
  graph: {
    nodes: [
      { id: 'in', type: 'core/input', config: { name: 'ms', type: 'number' } },
      { id: 'wait', type: 'slow/wait', config: {} },
      { id: 'out', type: 'core/output', config: { name: 'waited' } },
    ],
    edges: [edge('in', 'value', 'wait', 'ms'), edge('wait', 'waited', 'out', 'value')],
  },
};

describe('plugboard workflows and runs', () => {
  let env: OperatorEnv;
  let dir: string;
  const write = async (name: string, value: unknown) => {
    const file = join(dir, name);
    await writeFile(file, JSON.stringify(value));
    return file;
  };
  const create = async (value: unknown) => {
    const result = await env.cli(['workflows', 'create', await write('wf.json', value)]);
    expect(result.code, result.stderr).toBe(0);
    return result.stdout.trim();
  };

  beforeAll(async () => {
    env = await startOperatorEnv();
    dir = await mkdtemp(join(tmpdir(), 'plugboard-operator-workflows-'));
    expect(
      (
        await env.api('POST', '/api/plugins', {
          id: 'slow',
          source: { type: 'local', path: '/plugins/slow' },
        })
      ).status,
    ).toBe(202);
    const object = (properties: Record<string, unknown>) => ({
      type: 'object',
      properties,
      required: Object.keys(properties),
    });
    await env.status({
      pluginId: 'slow',
      status: 'running',
      manifest: manifest({
        id: 'slow',
        nodes: [
          {
            name: 'wait',
            inputs: object({ ms: { type: 'number' } }),
            outputs: object({ waited: { type: 'number' } }),
          },
        ],
      }),
    });
  });
  afterAll(async () => {
    // eslint-disable-next-line @typescript-eslint/no-unnecessary-condition -- unset when beforeAll failed
    await env?.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('creates a workflow and prints its id; lists workflows as a table', async () => {
    const id = await create(greeting);
    expect(id).toMatch(/^\S+$/);
    const listed = await env.cli(['workflows', 'list']);
    expect(listed.code).toBe(0);
    const lines = listed.stdout.trimEnd().split('\n');
    expect(lines[0]).toMatch(/^ID\s+NAME\s+NODES\s+UPDATED$/);
    expect(lines[1]).toMatch(
      new RegExp(`^${id}\\s+greeting\\s+4\\s+\\d{4}-\\d\\d-\\d\\d \\d\\d:\\d\\d:\\d\\dZ$`),
    );
    const json = await env.cli(['workflows', 'list', '--json']);
    expect(JSON.parse(json.stdout)).toMatchObject({ workflows: [{ id, name: 'greeting' }] });
  });

  it('an invalid workflow prints every issue on its own line (exit 1)', async () => {
    const result = await env.cli([
      'workflows',
      'create',
      await write('bad.json', {
        name: 'bad',
        graph: {
          nodes: [
            { id: 'a', type: 'core/nope' },
            { id: 'out', type: 'core/output', config: { name: 'x' } },
          ],
          edges: [edge('a', 'value', 'out', 'value'), edge('ghost', 'value', 'out', 'value')],
        },
      }),
    ]);
    expect(result.code).toBe(1);
    expect(result.stdout).toBe('');
    expect(result.stderr).toMatch(
      /^error PLAT_WORKFLOW_INVALID: the workflow graph has \d+ problems/,
    );
    const issues = result.stderr.split('\n').filter((l) => l.startsWith('  - '));
    expect(issues.length).toBeGreaterThanOrEqual(2);
    expect(issues.some((l) => l.includes('node a') && l.includes('core/nope'))).toBe(true);
    expect(issues.some((l) => /edge #1/.test(l) && l.includes('ghost'))).toBe(true);

    const notJson = await env.cli(['workflows', 'create', await write('x.json', 'nope')]);
    expect(notJson.stderr).toMatch(/^error CLI_BAD_FILE: .*x\.json should hold/);
  });

  it('runs a workflow by name: progress on stderr, outputs on stdout; text inputs stay text', async () => {
    const result = await env.cli(['workflows', 'run', 'greeting', '--input', 'name=42']);
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout).toBe('greeting: Hello 42!\nname_again: 42\n');
    expect(result.stderr).toMatch(/^Run \S+ of "greeting" \(queued\)$/m);
    expect(result.stderr).toMatch(/^ {2}in started$/m);
    expect(result.stderr).toMatch(/^ {2}greet succeeded in \d+ ms$/m);
    expect(result.stderr).toMatch(/^ {2}run succeeded$/m);
  });

  it('--json prints the finished run; --no-wait prints the id; runs show describes it', async () => {
    const json = await env.cli(['workflows', 'run', 'greeting', '--input', 'name=Ada', '--json']);
    expect(json.code).toBe(0);
    const run = JSON.parse(json.stdout) as Run;
    expect(run).toMatchObject({ status: 'succeeded', outputs: { greeting: 'Hello Ada!' } });

    const queued = await env.cli([
      'workflows',
      'run',
      'greeting',
      '--input',
      'name=Bo',
      '--no-wait',
    ]);
    expect(queued.code).toBe(0);
    const runId = queued.stdout.trim();
    const deadline = Date.now() + 10_000;
    while ((await env.api<Run>('GET', `/api/runs/${runId}`)).body.status !== 'succeeded') {
      expect(Date.now()).toBeLessThan(deadline);
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    const shown = await env.cli(['runs', 'show', runId]);
    expect(shown.code).toBe(0);
    expect(shown.stdout).toMatch(new RegExp(`^Run ${runId}: succeeded\\n`));
    expect(shown.stdout).toContain('Inputs:\n  name: Bo\n');
    expect(shown.stdout).toContain('Outputs:\n  greeting: Hello Bo!\n  name_again: Bo\n');
    expect(shown.stdout).toMatch(/Nodes:\n {2}NODE\s+STATUS\s+DURATION MS\s+ERROR\n/);
    expect(shown.stdout).toMatch(/^ {2}greet\s+succeeded\s+\d+$/m);
    const showJson = await env.cli(['runs', 'show', runId, '--json']);
    expect(JSON.parse(showJson.stdout)).toMatchObject({ id: runId, status: 'succeeded' });

    const missing = await env.cli(['runs', 'show', 'run_nope']);
    expect(missing).toMatchObject({
      code: 1,
      stderr: 'error PLAT_RUN_NOT_FOUND: no run "run_nope"\n',
    });
  });

  it('unknown and ambiguous workflow names are errors listing the candidates', async () => {
    const unknown = await env.cli(['workflows', 'run', 'greet']);
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toContain(
      'error CLI_WORKFLOW_NOT_FOUND: no workflow has the id or name "greet"',
    );
    expect(unknown.stderr).toMatch(/did you mean one of these\?\n {2}\S+ {2}greeting/);

    await create(greeting);
    const ambiguous = await env.cli(['workflows', 'run', 'greeting']);
    expect(ambiguous.code).toBe(1);
    expect(ambiguous.stderr).toContain(
      'error CLI_WORKFLOW_AMBIGUOUS: 2 workflows are named "greeting"',
    );
    expect(
      ambiguous.stderr.split('\n').filter((l) => /^ {2}\S+ {2}greeting$/.test(l)),
    ).toHaveLength(2);
  });

  it('uploads --input-file, prints file outputs by name, id and size; files download fetches them', async () => {
    const id = await create(passFile);
    const notes = join(dir, 'notes.txt');
    await writeFile(notes, 'hello');
    const result = await env.cli(['workflows', 'run', id, '--input-file', `doc=${notes}`]);
    expect(result.code, result.stderr).toBe(0);
    const match = /^doc: notes\.txt \((\S+), 5 bytes\)\n$/.exec(result.stdout);
    expect(match, result.stdout).not.toBeNull();
    const fileId = match![1]!;

    const out = join(dir, 'copy.txt');
    const downloaded = await env.cli(['files', 'download', fileId, '--out', out]);
    expect(downloaded).toMatchObject({ code: 0, stdout: `${out}\n` });
    expect(await readFile(out, 'utf8')).toBe('hello');
    const again = await env.cli(['files', 'download', fileId, '--out', out]);
    expect(again.stderr).toContain('error CLI_TARGET_EXISTS:');
  });

  it('a failing node fails the run: its code, message and node, exit 1', async () => {
    env.onExecute = () =>
      Promise.resolve({
        status: 422,
        body: {
          error: {
            code: 'SLOW_TOO_SLOW',
            kind: 'user',
            message: 'cannot wait that long',
            retryable: false,
          },
        },
      });
    await create(waiting);
    const result = await env.cli(['workflows', 'run', 'waiting', '--input', 'ms=5']);
    expect(result.code).toBe(1);
    expect(result.stdout).toBe('');
    expect(result.stderr).toMatch(/^ {2}wait failed in \d+ ms: SLOW_TOO_SLOW: /m);
    expect(result.stderr).toMatch(
      /^error SLOW_TOO_SLOW: run \S+ failed \(node wait\): .*cannot wait that long/m,
    );

    const badInputs = await env.cli(['workflows', 'run', 'waiting', '--input', 'ms=soon']);
    expect(badInputs.code).toBe(1);
    expect(badInputs.stderr).toMatch(/^error PLAT_INPUTS_INVALID: /);
  });

  it('Ctrl-C while waiting cancels the run and exits 130', async () => {
    let aborted = false;
    env.onExecute = async ({ signal }) => {
      await new Promise<void>((resolve) => {
        signal.addEventListener('abort', () => {
          aborted = true;
          resolve();
        });
      });
      return { status: 200, body: { outputs: { waited: 0 }, durationMs: 0 } };
    };
    const child = spawnCli([
      'workflows',
      'run',
      'waiting',
      '--input',
      'ms=60000',
      '--url',
      env.url,
      '--token',
      USER_TOKEN,
    ]);
    const deadline = Date.now() + 10_000;
    while (!child.stderr().includes('wait started')) {
      expect(Date.now(), child.stderr()).toBeLessThan(deadline);
      await new Promise((resolve) => setTimeout(resolve, 25));
    }
    child.child.kill('SIGINT');
    const result = await child.exited;
    expect(result.code, result.stderr).toBe(130);
    const runId = /^Run (\S+) of/m.exec(result.stderr)?.[1] ?? '';
    expect(result.stderr).toContain(`Cancelling run ${runId}`);
    expect(result.stderr).toContain(`Run ${runId} cancelled`);
    const run = await env.api<Run>('GET', `/api/runs/${runId}`);
    expect(run.body.status === 'cancelled' || run.body.status === 'running').toBe(true);
    const end = Date.now() + 10_000;
    while ((await env.api<Run>('GET', `/api/runs/${runId}`)).body.status !== 'cancelled') {
      expect(Date.now()).toBeLessThan(end);
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    expect(aborted).toBe(true);
  });

  describe('finding the platform', () => {
    it('says what is missing when nothing is configured', async () => {
      const cwd = await mkdtemp(join(dir, 'empty-'));
      const result = await runCli(['workflows', 'list'], { cwd });
      expect(result.code).toBe(1);
      expect(result.stdout).toBe('');
      expect(result.stderr).toContain(
        'error CLI_NOT_CONNECTED: no platform to talk to: missing the platform URL (--url <url> or PLUGBOARD_URL) and an API token (--token <token> or PLUGBOARD_TOKEN)',
      );
      expect(result.stderr).toContain(
        `${join(cwd, '.plugboard', 'connection.json')} does not exist`,
      );

      const tokenOnly = await runCli(['workflows', 'list', '--url', env.url], { cwd });
      expect(tokenOnly.stderr).toContain('missing an API token');
    });

    it('reads <data dir>/connection.json (./.plugboard, --data-dir or PLUGBOARD_DATA_DIR), and the environment', async () => {
      const cwd = await mkdtemp(join(dir, 'conn-'));
      await mkdir(join(cwd, '.plugboard'));
      await writeFile(
        join(cwd, '.plugboard', 'connection.json'),
        JSON.stringify({ url: env.url, token: USER_TOKEN }),
      );
      const fromDefault = await runCli(['workflows', 'list'], { cwd });
      expect(fromDefault.code, fromDefault.stderr).toBe(0);
      expect(fromDefault.stdout).toMatch(/^ID\s+NAME/);

      const other = join(cwd, 'elsewhere');
      await mkdir(other);
      await writeFile(
        join(other, 'connection.json'),
        JSON.stringify({ url: env.url, token: USER_TOKEN }),
      );
      const fromFlag = await runCli(['workflows', '--data-dir', other, 'list'], { cwd: dir });
      expect(fromFlag.code, fromFlag.stderr).toBe(0);
      const fromEnvDir = await runCli(['workflows', 'list'], {
        cwd: dir,
        env: { PLUGBOARD_DATA_DIR: other },
      });
      expect(fromEnvDir.code, fromEnvDir.stderr).toBe(0);
      const fromEnv = await runCli(['workflows', 'list', '--json'], {
        cwd: dir,
        env: { PLUGBOARD_URL: env.url, PLUGBOARD_TOKEN: USER_TOKEN },
      });
      expect(fromEnv.code, fromEnv.stderr).toBe(0);
      expect(JSON.parse(fromEnv.stdout)).toHaveProperty('workflows');
    });

    it('a wrong token is the API error; a platform that is not there says how to point at one', async () => {
      const wrong = await runCli(['workflows', 'list', '--url', env.url, '--token', 'nope']);
      expect(wrong.code).toBe(1);
      expect(wrong.stderr).toMatch(/^error PLAT_UNAUTHORIZED: /);
      expect(wrong.stderr).toContain('the token came from the command line');

      // A port that was free a moment ago: nothing listens there.
      const probe = createServer();
      probe.listen(0, '127.0.0.1');
      await once(probe, 'listening');
      const { port } = probe.address() as AddressInfo;
      probe.close();
      await once(probe, 'close');
      const gone = await runCli([
        'plugins',
        'list',
        '--url',
        `http://127.0.0.1:${String(port)}`,
        '--token',
        't',
      ]);
      expect(gone.code).toBe(1);
      expect(gone.stderr).toContain(
        `error CLI_UNREACHABLE: cannot reach the platform at http://127.0.0.1:${String(port)} (ECONNREFUSED); the URL came from the command line`,
      );
      expect(gone.stderr).toContain('point the CLI at it with --url <url> --token <token>');
    });
  });
});
