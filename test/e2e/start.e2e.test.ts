// The one-command start, as a new user meets it: `npm start` in the checkout (npm from the
// machine, Node 24 brought by the project), then, from a second terminal, the operator CLI — run
// by the machine's own Node, which hands over to Node 24 — installs every official plugin from
// the marketplace, saves and runs a workflow using two of them, and shows the result. Ctrl-C stops
// everything; a second `npm start` finds every plugin, workflow and run as they were.
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { createServer } from 'node:net';
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CLI, ctrlC, machine, npmStart, ROOT, type Started } from '../helpers/npm-start.ts';
import { runPlugboard, type CliResult } from '../helpers/plugboard-cli.ts';

const OFFICIAL = ['csv', 'http-request', 'json-query', 'markdown', 'text-tools'];

const MACHINE_NODE = machine('node') ?? process.execPath;

const npmStartIn = (dataDir: string) =>
  npmStart(['--data-dir', dataDir, '--port', '0', '--server-port', '0']);

async function processesMentioning(text: string): Promise<string[]> {
  const found: string[] = [];
  for (const pid of await readdir('/proc')) {
    if (/^\d+$/.test(pid)) {
      const cmdline = await readFile(`/proc/${pid}/cmdline`, 'utf8').catch(() => '');
      if (cmdline.includes(text)) {
        found.push(cmdline.replaceAll('\0', ' '));
      }
    }
  }
  return found;
}

function plugboard(args: readonly string[], dataDir: string): Promise<CliResult> {
  return runPlugboard([...args, '--data-dir', dataDir], { node: MACHINE_NODE });
}

/** The platform API of a started system, as its start banner shows it. */
function apiOf(started: Started): { url: string; token: string } {
  const text = started.output();
  const url = /platform API\s+(http:\/\/127\.0\.0\.1:\d+\/api)/.exec(text)?.at(-1) ?? '';
  const tokens = [...text.matchAll(/admin token\s+(pbt_\S+)/g)];
  return { url, token: tokens.at(-1)?.[1] ?? '' };
}

async function submitRuns(started: Started, workflowId: string, count: number): Promise<string[]> {
  const { url, token } = apiOf(started);
  return Promise.all(
    Array.from({ length: count }, async (_, i) => {
      const response = await fetch(`${url}/workflows/${workflowId}/runs`, {
        method: 'POST',
        headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
        body: JSON.stringify({ inputs: { name: `queued ${String(i)}` } }),
      });
      expect(response.status).toBe(202);
      return ((await response.json()) as { id: string }).id;
    }),
  );
}

async function finalStatuses(started: Started, runIds: readonly string[]): Promise<string[]> {
  const { url, token } = apiOf(started);
  const deadline = Date.now() + 60_000;
  for (;;) {
    const statuses = await Promise.all(
      runIds.map(async (id) => {
        const response = await fetch(`${url}/runs/${id}`, {
          headers: { authorization: `Bearer ${token}` },
        });
        const run = (await response.json()) as { status: string; error?: { message: string } };
        // A failure explains itself in the test's output.
        return run.error === undefined ? run.status : `${run.status}: ${run.error.message}`;
      }),
    );
    if (statuses.every((s) => !['queued', 'running'].includes(s)) || Date.now() > deadline) {
      return statuses;
    }
    await new Promise((r) => setTimeout(r, 250));
  }
}

describe('npm start and the operator CLI', () => {
  let dataDir: string;
  let started: Started | undefined;

  beforeAll(async () => {
    dataDir = await mkdtemp(join(tmpdir(), 'plugboard-start-'));
    started = await npmStartIn(dataDir);
  }, 120_000);

  afterAll(async () => {
    if (started !== undefined && started.child.exitCode === null) {
      await ctrlC(started);
    }
    await rm(dataDir, { recursive: true, force: true });
  });

  it('prints the URL and the admin token', () => {
    const text = started?.output() ?? '';
    expect(text).toMatch(/platform API\s+http:\/\/127\.0\.0\.1:\d+\/api/);
    expect(text).toMatch(/admin token\s+pbt_\S+/);
    expect(text).toContain('packed text-tools@');
  });

  it('installs every official plugin from the marketplace', async () => {
    const browse = await plugboard(['plugins', 'search'], dataDir);
    expect(browse.code, browse.stderr).toBe(0);
    for (const name of OFFICIAL) {
      expect(browse.stdout).toMatch(new RegExp(`${name}\\s+1\\.0\\.0\\s+-`));
    }
    const found = await plugboard(['plugins', 'search', 'jsonata', '--json'], dataDir);
    expect(
      (JSON.parse(found.stdout) as { plugins: { name: string }[] }).plugins.map((p) => p.name),
    ).toEqual(['json-query']);
    for (const name of OFFICIAL) {
      const installed = await plugboard(['plugins', 'install', name], dataDir);
      expect(installed.code, `${name}: ${installed.stderr}`).toBe(0);
    }
    const list = await plugboard(['plugins', 'list', '--json'], dataDir);
    const { plugins } = JSON.parse(list.stdout) as {
      plugins: { id: string; status: string; source: { type: string } }[];
    };
    expect(plugins.map((p) => [p.id, p.status, p.source.type])).toEqual(
      OFFICIAL.map((name) => [name, 'running', 'marketplace']),
    );
    const table = await plugboard(['plugins', 'list'], dataDir);
    expect(table.stdout).toMatch(/json-query\s+running/);
  }, 300_000);

  it('refuses a second start on the same data folder, touching nothing', async () => {
    const second = spawn(process.execPath, [CLI, 'start', '--data-dir', dataDir, '--port', '0'], {
      env: { PATH: process.env['PATH'] ?? '' },
    });
    let stderr = '';
    second.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
    const [code] = (await once(second, 'exit')) as [number | null];
    expect(code).toBe(1);
    expect(stderr).toContain('is in use by another plugboard start');
    const list = await plugboard(['plugins', 'list', '--json'], dataDir);
    expect(list.code).toBe(0);
  }, 60_000);

  it('runs a workflow that uses two of them and shows the result', async () => {
    // The workflow of the README's quick start, as written there.
    const readme = await readFile(join(ROOT, 'README.md'), 'utf8');
    const workflow = /Save a workflow that uses both[\s\S]*?```json\n([\s\S]*?)```/.exec(
      readme,
    )?.[1];
    expect(workflow).toBeDefined();
    const file = join(dataDir, 'greeting.json');
    await writeFile(file, workflow ?? '');
    const created = await plugboard(['workflows', 'create', file], dataDir);
    expect(created.code, created.stderr).toBe(0);
    const run = await plugboard(
      ['workflows', 'run', 'loud greeting', '--input', 'name=ada'],
      dataDir,
    );
    expect(run.code, run.stderr).toBe(0);
    expect(run.stdout).toContain('greeting: Hello, ADA!');
    const json = await plugboard(
      ['workflows', 'run', 'loud greeting', '--input', 'name=grace', '--json'],
      dataDir,
    );
    const finished = JSON.parse(json.stdout) as { id: string; outputs: Record<string, unknown> };
    expect(finished.outputs).toEqual({ greeting: 'Hello, GRACE!' });
    const shown = await plugboard(['runs', 'show', finished.id], dataDir);
    expect(shown.stdout).toContain('succeeded');
    expect(shown.stdout).toMatch(/greet\s+succeeded/);
  }, 120_000);

  it('stops on Ctrl-C and a second start finds every plugin, workflow and run', async () => {
    if (started === undefined) {
      throw new Error('not started');
    }
    const runsBefore = JSON.parse(
      (await plugboard(['workflows', 'list', '--json'], dataDir)).stdout,
    ) as { workflows: { id: string }[] };
    // Runs queued when Ctrl-C comes are not lost: the next start runs them to the end.
    const queued = await submitRuns(started, runsBefore.workflows[0]?.id ?? '', 20);
    await ctrlC(started);
    // plugboard itself stopped in order (npm, told by the same Ctrl-C, may end first).
    expect(started.output()).toContain('stopping the platform, then the plugins');
    expect(started.output()).toMatch(/\nstopped\n/);
    // No plugin process outlives it (they run from the data folder, in their own groups).
    expect(await processesMentioning(dataDir)).toEqual([]);
    started = await npmStartIn(dataDir);
    expect(started.output()).toContain('Using');

    const deadline = Date.now() + 120_000;
    let statuses: string[] = [];
    while (Date.now() < deadline) {
      const list = JSON.parse((await plugboard(['plugins', 'list', '--json'], dataDir)).stdout) as {
        plugins: { status: string }[];
      };
      statuses = list.plugins.map((p) => p.status);
      if (statuses.length === OFFICIAL.length && statuses.every((s) => s === 'running')) {
        break;
      }
      await new Promise((r) => setTimeout(r, 250));
    }
    expect(statuses).toEqual(OFFICIAL.map(() => 'running'));
    const workflows = JSON.parse(
      (await plugboard(['workflows', 'list', '--json'], dataDir)).stdout,
    ) as { workflows: { id: string }[] };
    expect(workflows.workflows).toEqual(runsBefore.workflows);
    const again = await plugboard(
      ['workflows', 'run', 'loud greeting', '--input', 'name=lin'],
      dataDir,
    );
    expect(again.stdout).toContain('greeting: Hello, LIN!');
    expect(await finalStatuses(started, queued)).toEqual(queued.map(() => 'succeeded'));
  }, 240_000);
});

describe('plugboard start on a busy port', () => {
  it('says which port is taken and leaves nothing running', async () => {
    const dataDir = await mkdtemp(join(tmpdir(), 'plugboard-busy-'));
    const busy = createServer();
    busy.listen(0, '127.0.0.1');
    await once(busy, 'listening');
    const address = busy.address();
    const port = typeof address === 'object' && address !== null ? address.port : 0;
    try {
      const child = spawn(
        process.execPath,
        [CLI, 'start', '--data-dir', dataDir, '--port', String(port), '--server-port', '0'],
        { env: { PATH: process.env['PATH'] ?? '' } },
      );
      let stderr = '';
      child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
      const [code] = (await once(child, 'exit')) as [number | null];
      expect(code).toBe(1);
      expect(stderr).toContain('CLI_START_FAILED: a port is already in use');
      expect(await processesMentioning(dataDir)).toEqual([]);
    } finally {
      busy.close();
      await rm(dataDir, { recursive: true, force: true });
    }
  }, 60_000);
});

describe("Ctrl-C with the machine's Node running the launcher", () => {
  it('stops in order although the launcher and plugboard both receive it', async () => {
    const dataDir = await mkdtemp(join(tmpdir(), 'plugboard-ctrl-c-'));
    const child = spawn(
      MACHINE_NODE,
      [CLI, 'start', '--data-dir', dataDir, '--port', '0', '--server-port', '0'],
      {
        detached: true,
        env: { PATH: process.env['PATH'] ?? '' },
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    let seen = '';
    child.stdout.on('data', (c: Buffer) => (seen += c.toString()));
    child.stderr.on('data', (c: Buffer) => (seen += c.toString()));
    const started: Started = { child, output: () => seen };
    try {
      const deadline = Date.now() + 60_000;
      while (!seen.includes('Ctrl-C stops everything') && Date.now() < deadline) {
        await new Promise((r) => setTimeout(r, 50));
      }
      const exited = once(child, 'exit');
      await ctrlC(started);
      const [code] = (await exited) as [number | null];
      expect(seen).toMatch(/\nstopped\n/);
      expect(code).toBe(0);
    } finally {
      await ctrlC(started);
      await rm(dataDir, { recursive: true, force: true });
    }
  }, 90_000);
});
