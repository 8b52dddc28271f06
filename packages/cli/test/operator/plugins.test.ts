// `plugboard plugins …` against a real platform driving a stand-in Plugin Server: the real CLI
// as a child process, plugin statuses moved by signed webhooks.
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { manifest, startOperatorEnv, type OperatorEnv, type StandInCall } from './operator-env.ts';

interface PluginView {
  id: string;
  status: string;
  config: Record<string, unknown>;
  source: Record<string, unknown>;
}

const until = async <T>(
  what: string,
  probe: () => Promise<T | undefined> | T | undefined,
): Promise<T> => {
  const deadline = Date.now() + 10_000;
  for (;;) {
    const value = await probe();
    if (value !== undefined) {
      return value;
    }
    if (Date.now() > deadline) {
      throw new Error(`timed out waiting for ${what}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
};

const stringField = { type: 'string' };
const helloConfig = {
  $schema: 'https://json-schema.org/draft/2020-12/schema',
  type: 'object',
  properties: {
    greeting: stringField,
    count: { type: 'number' },
    apiKey: { type: 'string', writeOnly: true },
  },
  required: [],
  additionalProperties: false,
};

describe('plugboard plugins', () => {
  let env: OperatorEnv;
  let dir: string;
  const installCalls = (id: string): StandInCall[] =>
    env.calls.filter((c) => c.method === 'POST' && c.path === `/plugins/${id}/install`);
  const record = async (id: string) =>
    (await env.api<PluginView>('GET', `/api/plugins/${id}`)).body;

  beforeAll(async () => {
    env = await startOperatorEnv();
    dir = await mkdtemp(join(tmpdir(), 'plugboard-operator-plugins-'));
  });
  afterAll(async () => {
    // eslint-disable-next-line @typescript-eslint/no-unnecessary-condition -- unset when beforeAll failed
    await env?.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('lists no plugins at first', async () => {
    const listed = await env.cli(['plugins', 'list']);
    expect(listed).toMatchObject({ code: 0, stdout: 'No plugins installed.\n' });
  });

  it('installs from a local folder with --no-wait: absolute path, config parsed as JSON or text', async () => {
    const result = await env.cli(
      [
        'plugins',
        'install',
        '--local',
        'hello-plugin',
        '--id',
        'hello',
        '--config',
        'greeting=hi there',
        '--config',
        'count=3',
        '--no-wait',
      ],
      { cwd: dir },
    );
    expect(result).toMatchObject({ code: 0, stdout: 'hello: installing\n' });
    const [call] = installCalls('hello');
    expect(call?.body).toMatchObject({
      source: { type: 'local', path: join(dir, 'hello-plugin') },
      config: { greeting: 'hi there', count: 3 },
    });
  });

  it('waits for a marketplace install to run, printing each status on stderr', async () => {
    const child = env.cli(['plugins', 'install', 'text-tools', '--version', '1.2.3']);
    await until('the install call', () => installCalls('text-tools')[0]);
    expect(installCalls('text-tools')[0]?.body).toMatchObject({
      source: { type: 'marketplace', name: 'text-tools', version: '1.2.3' },
    });
    await env.status({ pluginId: 'text-tools', status: 'restarting', reason: 'starting up' });
    await new Promise((resolve) => setTimeout(resolve, 600));
    await env.status({
      pluginId: 'text-tools',
      status: 'running',
      version: '1.2.3',
      manifest: manifest({ id: 'text-tools', nodes: [{ name: 'upper' }, { name: 'lower' }] }),
    });
    const result = await child;
    expect(result.code).toBe(0);
    expect(result.stdout).toBe(
      'text-tools 1.2.3: running; nodes: text-tools/upper, text-tools/lower\n',
    );
    expect(result.stderr).toContain('Installing plugin text-tools (installing)');
    expect(result.stderr).toContain('text-tools: restarting (starting up)');
    expect(result.stderr).toContain('text-tools: running');
  });

  it('a plugin that ends in error fails the install with its reason and log tail (exit 1)', async () => {
    const child = env.cli([
      'plugins',
      'install',
      'broken',
      '--git',
      'https://example.com/b.git',
      '--ref',
      'main',
      '--id',
      'broken',
      '--json',
    ]);
    await until('the install call', () => installCalls('broken')[0]);
    expect(installCalls('broken')[0]?.body).toMatchObject({
      source: { type: 'git', url: 'https://example.com/b.git', ref: 'main' },
    });
    await env.status({
      pluginId: 'broken',
      status: 'error',
      reason: 'the plugin exited with code 1',
      logTail: ['starting', 'TypeError: boom'],
    });
    const result = await child;
    expect(result.code).toBe(1);
    expect(JSON.parse(result.stdout)).toMatchObject({ id: 'broken', status: 'error' });
    expect(result.stderr).toContain(
      'error CLI_PLUGIN_FAILED: plugin "broken" failed: the plugin exited with code 1',
    );
    expect(result.stderr).toMatch(/last log lines:\n\s+starting\n\s+TypeError: boom/);
  });

  it('uploads an archive with --file and installs from the upload', async () => {
    const archive = join(dir, 'packed-1.0.0.tar.gz');
    await writeFile(archive, Buffer.from([0x1f, 0x8b, 8, 0, 1, 2, 3]));
    const result = await env.cli([
      'plugins',
      'install',
      '--file',
      archive,
      '--id',
      'packed',
      '--no-wait',
      '--json',
    ]);
    expect(result.code).toBe(0);
    expect(JSON.parse(result.stdout)).toMatchObject({ id: 'packed', status: 'installing' });
    const source = (installCalls('packed')[0]?.body as { source: { type: string; fileId: string } })
      .source;
    expect(source.type).toBe('upload');
    const meta = await env.api<{ name: string; size: number }>(
      'GET',
      `/api/files/${source.fileId}/meta`,
    );
    expect(meta.body).toMatchObject({ name: 'packed-1.0.0.tar.gz', size: 7 });
  });

  it('refuses conflicting or incomplete sources before calling the platform', async () => {
    const noId = await env.cli(['plugins', 'install', '--git', 'https://example.com/x.git']);
    expect(noId.code).toBe(1);
    expect(noId.stderr).toContain(
      "error CLI_USAGE: --git needs --id <plugin id> (the id in the plugin's manifest)",
    );
    const two = await env.cli([
      'plugins',
      'install',
      '--git',
      'https://e.com/x.git',
      '--local',
      '.',
      '--id',
      'x',
    ]);
    expect(two.stderr).toContain(
      'error CLI_USAGE: give one source: --git and --local were both given',
    );
  });

  it('lists the plugins as a table, and as JSON', async () => {
    const listed = await env.cli(['plugins', 'list']);
    expect(listed.code).toBe(0);
    const lines = listed.stdout.trimEnd().split('\n');
    expect(lines[0]).toMatch(/^ID\s+STATUS\s+VERSION\s+SOURCE\s+NODES\s+RESTARTS\s+REASON$/);
    expect(lines.find((l) => l.startsWith('text-tools'))).toMatch(
      /^text-tools\s+running\s+1\.2\.3\s+marketplace\s+2\s+0$/,
    );
    expect(lines.find((l) => l.startsWith('broken'))).toMatch(
      /^broken\s+error\s+-\s+git\s+0\s+0\s+the plugin exited with code 1$/,
    );
    // Columns line up: every row's STATUS starts where the header's does.
    const at = lines[0]!.indexOf('STATUS');
    expect(lines.every((l) => /^\S+\s+$/.test(l.slice(0, at)))).toBe(true);

    const json = await env.cli(['plugins', 'list', '--json']);
    const ids = (JSON.parse(json.stdout) as { plugins: PluginView[] }).plugins.map((p) => p.id);
    expect(ids.sort()).toEqual(['broken', 'hello', 'packed', 'text-tools']);
  });

  it('shows and merges the configuration; text fields stay text; secrets round-trip masked', async () => {
    await env.status({
      pluginId: 'hello',
      status: 'running',
      manifest: manifest({ id: 'hello', config: helloConfig }),
    });
    const set = await env.cli(['plugins', 'config', 'hello', 'apiKey=s3cret', 'greeting=42']);
    expect(set.code).toBe(0);
    expect(set.stdout).toBe('greeting: 42\ncount: 3\napiKey: ********\n');
    const again = await env.cli(['plugins', 'config', 'hello', 'count=4']);
    expect(again.stdout).toBe('greeting: 42\ncount: 4\napiKey: ********\n');
    const configs = env.calls.filter((c) => c.path === '/plugins/hello/config');
    // The stored secret is kept when its masked value is sent back.
    expect(configs.at(-1)?.body).toMatchObject({
      config: { greeting: '42', count: 4, apiKey: 's3cret' },
    });
    const shown = await env.cli(['plugins', 'config', 'hello', '--json']);
    expect(JSON.parse(shown.stdout)).toEqual({ greeting: '42', count: 4, apiKey: '********' });

    const rejected = await env.cli(['plugins', 'config', 'hello', 'count=many']);
    expect(rejected.code).toBe(1);
    expect(rejected.stderr).toMatch(/^error PLAT_CONFIG_REJECTED: .*count/m);
    expect(rejected.stderr).toMatch(/^ {2}- count: /m);
  });

  it('prints the log, restarts, and reports API errors as code: message', async () => {
    env.logText = '{"level":"info","msg":"one"}\n{"level":"info","msg":"two"}\n';
    const logs = await env.cli(['plugins', 'logs', 'hello', '--tail', '2']);
    expect(logs).toMatchObject({ code: 0, stdout: env.logText });
    expect(env.calls.some((c) => c.path === '/plugins/hello/logs')).toBe(true);

    const restarted = await env.cli(['plugins', 'restart', 'hello']);
    expect(restarted.code).toBe(0);
    expect(env.calls.some((c) => c.path === '/plugins/hello/restart')).toBe(true);

    const missing = await env.cli(['plugins', 'logs', 'nope']);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toBe('error PLAT_PLUGIN_NOT_FOUND: no plugin "nope"\n');
  });

  it('grants what the installed version asks, or what the flags say, and revokes', async () => {
    await env.status({
      pluginId: 'hello',
      status: 'running',
      version: '1.0.0',
      manifest: {
        ...manifest({ id: 'hello', config: helloConfig }),
        permissions: { network: { hosts: ['api.example.com'] }, childProcesses: true },
      },
    });
    const asked = await env.cli(['plugins', 'grant', 'hello']);
    expect(asked).toMatchObject({
      code: 0,
      stdout: 'hello: granted network (api.example.com), child processes\n',
    });
    const grantCalls = () => env.calls.filter((c) => c.path === '/plugins/hello/grant');
    expect(grantCalls().at(-1)?.body).toEqual({
      grant: { network: { hosts: ['api.example.com'] }, childProcesses: true },
    });

    const hosts = await env.cli(['plugins', 'grant', 'hello', '--hosts', 'a.example.com,*.b.org']);
    expect(hosts.code).toBe(0);
    expect(grantCalls().at(-1)?.body).toEqual({
      grant: { network: { hosts: ['a.example.com', '*.b.org'] } },
    });

    const revoked = await env.cli(['plugins', 'grant', 'hello', '--revoke', '--json']);
    expect(revoked.code).toBe(0);
    expect(JSON.parse(revoked.stdout)).toMatchObject({ id: 'hello', grant: {} });

    const both = await env.cli(['plugins', 'grant', 'hello', '--network', '--hosts', 'a.com']);
    expect(both.code).toBe(1);
    expect(both.stderr).toContain('give one of them');
    const badHost = await env.cli(['plugins', 'grant', 'hello', '--hosts', 'http://x']);
    expect(badHost.code).toBe(1);
    expect(badHost.stderr).toContain('--hosts takes host names');
  });

  it('uninstalls, waiting until the Plugin Server reports it uninstalled', async () => {
    const child = env.cli(['plugins', 'uninstall', 'hello']);
    await until('uninstalling', async () =>
      (await record('hello')).status === 'uninstalling' ? true : undefined,
    );
    await env.status({ pluginId: 'hello', status: 'uninstalled' });
    const result = await child;
    expect(result).toMatchObject({ code: 0, stdout: 'Uninstalled hello\n' });
    expect(result.stderr).toContain('hello: uninstalled');
  });
});
