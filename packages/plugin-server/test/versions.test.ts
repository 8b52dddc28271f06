// Versions side by side with real plugin processes: a version staged beside the current one,
// calls pinned to an older version served by its own process (started on demand, stopped when
// idle), making a version current, rollback on request, and automatic rollback of a version that
// fails to start, refuses its configuration or crash-loops once made current.
import { mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { PluginView } from '@plugboard/server-api';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fixtureArchive, fixtureFolder } from './helpers/fixture-package.ts';
import { isAlive, startTestServer, type TestServer } from './helpers/test-server.ts';

let server: TestServer;
beforeAll(async () => {
  server = await startTestServer({
    supervision: { crashLoopCount: 2, crashLoopWindowMs: 60_000, restartBaseMs: 100 },
    versions: { keep: 4, idleStopMs: 1_500 },
  });
});
afterAll(async () => {
  await server.close();
});

const archives = new Map<string, string>();
async function upload(version: string, mode?: string): Promise<string> {
  const key = `${version}:${mode ?? 'ok'}`;
  const archive =
    archives.get(key) ??
    (await fixtureArchive({ version, ...(mode === undefined ? {} : { mode }) }));
  archives.set(key, archive);
  const stored = await server.json<{ fileId: string }>('POST', '/uploads', await readFile(archive));
  return stored.body.fileId;
}

async function install(version: string, options: { mode?: string; activate?: boolean } = {}) {
  const answer = await server.json('POST', '/plugins/faulty/install', {
    version,
    source: { type: 'upload', fileId: await upload(version, options.mode) },
    ...(options.activate === undefined ? {} : { activate: options.activate }),
  });
  expect(answer.status).toBe(202);
}

async function echo(version?: string) {
  const response = await server.call(
    'POST',
    '/plugins/faulty/nodes/echo/execute',
    { inputs: { text: 'hi' }, context: { credentials: {} } },
    version === undefined ? {} : { 'x-plugboard-plugin-version': version },
  );
  return {
    status: response.status,
    body: (await response.json()) as {
      outputs?: { version: string };
      error?: { message: string };
    },
  };
}

const states = (view: PluginView | undefined) =>
  view?.versions?.map((v) => `${v.version} ${v.state}`);

const settled = (version: string, state: string) => (v: PluginView | undefined) =>
  v?.status === 'running' &&
  (v.versions ?? []).some((x) => x.version === version && x.state === state);

describe('versions side by side', () => {
  let v1Pid = 0;

  it('stages a version beside the current one without moving anything', async () => {
    await install('1.0.0');
    const first = await server.waitFor('faulty', (v) => v?.status === 'running');
    v1Pid = first?.pid ?? 0;
    await install('2.0.0', { activate: false });
    const staged = await server.waitFor('faulty', settled('2.0.0', 'staged'));
    expect(staged).toMatchObject({ status: 'running', version: '1.0.0', pid: v1Pid });
    expect(staged?.reason).toContain('2.0.0 is installed beside 1.0.0, staged');
    expect(states(staged)).toEqual(['2.0.0 staged', '1.0.0 current']);
    const refused = await echo('2.0.0');
    expect(refused.status).toBe(409);
    expect(refused.body.error?.message).toContain('version 2.0.0 of plugin "faulty" is staged');
    expect((await echo('1.0.0')).body.outputs?.version).toBe('1.0.0');
    expect((await echo()).body.outputs?.version).toBe('1.0.0');
  });

  it('makes it current; calls pinned to the old version still run on the old process', async () => {
    const accepted = await server.json('POST', '/plugins/faulty/activate', { version: '2.0.0' });
    expect(accepted.status).toBe(202);
    const view = await server.waitFor('faulty', (v) => v?.version === '2.0.0');
    expect(view?.reason).toContain('1.0.0 stays installed for the workflows pinned to it');
    expect(states(view)).toEqual(['2.0.0 current', '1.0.0 kept']);
    expect((await echo()).body.outputs?.version).toBe('2.0.0');
    expect((await echo('1.0.0')).body.outputs?.version).toBe('1.0.0');
    expect((await echo('2.0.0')).body.outputs?.version).toBe('2.0.0');
    // The old version's process is the one that served before: no start on the way.
    expect(isAlive(v1Pid)).toBe(true);
  });

  it('stops an older version when idle and starts it again on its next call', async () => {
    await expect.poll(() => isAlive(v1Pid), { timeout: 10_000 }).toBe(false);
    const view = await server.waitFor('faulty', (v) => v?.status === 'running');
    expect(view?.versions?.find((v) => v.version === '1.0.0')?.running).toBe(false);
    const again = await echo('1.0.0');
    expect(again.status).toBe(200);
    expect(again.body.outputs?.version).toBe('1.0.0');
    const restarted = await server.waitFor('faulty', (v) =>
      (v?.versions ?? []).some((x) => x.version === '1.0.0' && x.running),
    );
    expect(restarted?.pid).not.toBe(v1Pid);
  });

  it('answers a call for a version not installed with what is', async () => {
    const missing = await echo('9.9.9');
    expect(missing.status).toBe(404);
    expect(missing.body.error?.message).toContain(
      'version 9.9.9 of plugin "faulty" is not installed (installed: ',
    );
  });

  it('rolls back to the previous version at once, marking the newer one rolled back', async () => {
    const started = performance.now();
    const accepted = await server.json('POST', '/plugins/faulty/rollback', {});
    expect(accepted.status).toBe(202);
    const view = await server.waitFor('faulty', (v) => v?.version === '1.0.0', 5_000);
    const seconds = (performance.now() - started) / 1000;
    expect(seconds).toBeLessThan(2);
    expect(view?.status).toBe('running');
    expect(view?.reason).toBe('rolled back from 2.0.0 to 1.0.0 on request');
    expect(states(view)).toEqual(['2.0.0 rolled_back', '1.0.0 current']);
    expect((await echo()).body.outputs?.version).toBe('1.0.0');
    v1Pid = view?.pid ?? 0;
    const refused = await echo('2.0.0');
    expect(refused.status).toBe(409);
    expect(refused.body.error?.message).toContain('is rolled back');
    const none = await server.json<{ error: { message: string } }>(
      'POST',
      '/plugins/faulty/rollback',
      {},
    );
    expect(none.status).toBe(409);
    expect(none.body.error.message).toContain('has no previous version installed to roll back to');
  });

  it('rolls back a new version that fails to start, the current one serving on', async () => {
    // A package that throws on import cannot be packed: installed from its folder instead.
    const folder = await fixtureFolder({ version: '3.0.0', mode: 'crash-on-start' });
    await server.json('POST', '/plugins/faulty/install', {
      version: '3.0.0',
      source: { type: 'local', path: folder },
    });
    const view = await server.waitFor('faulty', settled('3.0.0', 'rolled_back'));
    expect(view).toMatchObject({ status: 'running', version: '1.0.0', pid: v1Pid });
    expect(view?.reason).toContain(
      'rolled back to 1.0.0 automatically: version 3.0.0 failed to start',
    );
    expect(view?.versions?.find((v) => v.version === '3.0.0')?.state).toBe('rolled_back');
  });

  it('rolls back a new version that refuses the configuration the current one accepts', async () => {
    await install('3.1.0', { mode: 'needs-config' });
    const view = await server.waitFor('faulty', settled('3.1.0', 'rolled_back'));
    expect(view).toMatchObject({ status: 'running', version: '1.0.0' });
    expect(view?.reason).toContain('version 3.1.0 refused the configuration');
  });

  it('rolls back a new version that crash-loops once current, with the reason', async () => {
    await install('4.0.0', { mode: 'crash-after-start' });
    await server.waitFor('faulty', (v) => v?.version === '4.0.0');
    const view = await server.waitFor(
      'faulty',
      (v) => v?.version === '1.0.0' && v.status === 'running',
      30_000,
    );
    expect(view?.reason).toContain(
      'rolled back from 4.0.0 to 1.0.0 automatically: version 4.0.0 crash-looped after it was made current',
    );
    expect(view?.versions?.find((v) => v.version === '4.0.0')).toMatchObject({
      state: 'rolled_back',
    });
    const log = await (await server.call('GET', '/plugins/faulty/logs?tail=400')).text();
    expect(log).toContain('crash-looped after it was made current');
    expect((await echo()).status).toBe(200);
  });

  it('keeps only the configured number of versions, the current one always', async () => {
    const view = await server.waitFor('faulty', (v) => v?.status === 'running');
    expect(view?.versions).toHaveLength(4);
    expect(view?.versions?.map((v) => v.version)).not.toContain('2.0.0');
    const folders = await readdir(join(server.dataDir, 'plugins', 'faulty'));
    expect(folders.filter((f) => f !== 'versions.json')).toHaveLength(4);
  });
});

describe('installed versions across a Plugin Server restart', () => {
  let dataDir = '';
  let restarted: TestServer | undefined;
  afterAll(async () => {
    await restarted?.close();
    await rm(dataDir, { recursive: true, force: true });
  });

  it('comes back with every version, the current one running and kept ones callable', async () => {
    dataDir = await mkdtemp(join(tmpdir(), 'plugboard-versions-'));
    restarted = await startTestServer({}, { dataDir });
    for (const version of ['1.0.0', '2.0.0']) {
      const folder = await fixtureFolder({ version });
      await restarted.call('POST', '/plugins/faulty/install', {
        source: { type: 'local', path: folder },
      });
      await restarted.waitFor('faulty', (v) => v?.status === 'running' && v.version === version);
    }
    await restarted.close();
    restarted = await startTestServer({}, { dataDir });
    const back = await restarted.waitFor('faulty', (v) => v?.status === 'running');
    expect(states(back)).toEqual(['2.0.0 current', '1.0.0 kept']);
    const response = await restarted.call(
      'POST',
      '/plugins/faulty/nodes/echo/execute',
      { inputs: { text: 'hi' }, context: { credentials: {} } },
      { 'x-plugboard-plugin-version': '1.0.0' },
    );
    expect(((await response.json()) as { outputs: { version: string } }).outputs.version).toBe(
      '1.0.0',
    );
  });

  it('rolls back a version made current just before a restart that crash-loops after it', async () => {
    await restarted?.close();
    // 2.0.0 was made current moments ago; from now on its process exits soon after it starts.
    const record = join(dataDir, 'plugins', 'faulty');
    const { versions } = JSON.parse(await readFile(join(record, 'versions.json'), 'utf8')) as {
      versions: { version: string; folder: string; probation?: { from: string } }[];
    };
    const v2 = versions.find((v) => v.version === '2.0.0');
    expect(v2?.probation?.from).toBe('1.0.0');
    await writeFile(
      join(v2?.folder ?? '', 'package', 'behaviour.json'),
      JSON.stringify({ mode: 'crash-after-start' }),
    );
    restarted = await startTestServer(
      { supervision: { crashLoopCount: 2, crashLoopWindowMs: 60_000, restartBaseMs: 100 } },
      { dataDir },
    );
    const back = await restarted.waitFor(
      'faulty',
      (v) => v?.status === 'running' && v.version === '1.0.0',
      30_000,
    );
    expect(back?.reason).toContain('rolled back from 2.0.0 to 1.0.0 automatically');
    await writeFile(join(v2?.folder ?? '', 'package', 'behaviour.json'), '{"mode":"ok"}');
    restarted.server.manager.activate('faulty', '2.0.0');
    await restarted.waitFor('faulty', (v) => v?.status === 'running' && v.version === '2.0.0');
  });

  it('reads the record a server from before versions side by side left (current.json)', async () => {
    await restarted?.close();
    const record = join(dataDir, 'plugins', 'faulty');
    const { versions } = JSON.parse(await readFile(join(record, 'versions.json'), 'utf8')) as {
      versions: {
        version: string;
        folder: string;
        source: unknown;
        installedAt: string;
        state: string;
      }[];
    };
    const current = versions.find((v) => v.state === 'current');
    await writeFile(
      join(record, 'current.json'),
      JSON.stringify({
        version: current?.version,
        folder: current?.folder,
        source: current?.source,
        installedAt: current?.installedAt,
      }),
    );
    await rm(join(record, 'versions.json'));
    restarted = await startTestServer({}, { dataDir });
    const back = await restarted.waitFor('faulty', (v) => v?.status === 'running');
    expect(states(back)).toEqual(['2.0.0 current']);
    expect((await readdir(record)).sort()).toEqual(expect.arrayContaining(['versions.json']));
    expect(await readdir(record)).not.toContain('current.json');
  });

  it('leaves a plugin whose record cannot be read in error, its files where they are', async () => {
    await restarted?.close();
    const record = join(dataDir, 'plugins', 'faulty');
    await writeFile(join(record, 'versions.json'), '{ not json');
    restarted = await startTestServer({}, { dataDir });
    const view = await restarted.waitFor('faulty', (v) => v?.status === 'error');
    expect(view?.reason).toContain('its record of installed versions');
    expect(view?.reason).toContain('cannot be read');
    expect((await readdir(record)).length).toBeGreaterThan(1);
  });
});
