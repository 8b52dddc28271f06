import { readFileSync } from 'node:fs';
// Install → running → forward → update → uninstall with real plugin processes.
import { readFile, readdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fixtureArchive, fixtureFolder } from './helpers/fixture-package.ts';
import { isAlive, startTestServer, type TestServer } from './helpers/test-server.ts';

let server: TestServer;
beforeAll(async () => {
  server = await startTestServer();
});
afterAll(async () => {
  await server.close();
});

const running = (v: { status: string } | undefined) => v?.status === 'running';

describe('install from a local folder (dev mode) and forward', () => {
  it('reaches running, reports where it runs, and forwards executions', async () => {
    const folder = await fixtureFolder();
    const accepted = await server.json('POST', '/plugins/faulty/install', {
      source: { type: 'local', path: folder },
    });
    expect(accepted.status).toBe(202);
    expect(accepted.body).toMatchObject({ id: 'faulty', status: 'installing' });
    const view = await server.waitFor('faulty', running);
    expect(view).toMatchObject({
      id: 'faulty',
      version: '1.0.0',
      status: 'running',
      restarts: 0,
      source: { type: 'local' },
    });
    expect(isAlive(view?.pid ?? 0)).toBe(true);

    const executed = await server.json<{ outputs: { text: string; pid: number } }>(
      'POST',
      '/plugins/faulty/nodes/echo/execute',
      { inputs: { text: 'hi' } },
    );
    expect(executed.status).toBe(200);
    expect(executed.body.outputs.text).toBe('hi');
    // The reported pid is the plugin's on the host; inside its pid namespace it has another.
    const status = readFileSync(`/proc/${String(view?.pid)}/status`, 'utf8');
    const nsPids = /^NSpid:\s+(.*)$/m.exec(status)?.[1]?.split(/\s+/).map(Number) ?? [];
    expect(nsPids.at(-1)).toBe(executed.body.outputs.pid);

    const detail = await server.json<{ manifest: { id: string } }>('GET', '/plugins/faulty');
    expect(detail.body.manifest.id).toBe('faulty');
    const list = await server.json<{ plugins: { id: string }[] }>('GET', '/plugins');
    expect(list.body.plugins.map((p) => p.id)).toContain('faulty');
  });

  it('refuses nodes the manifest does not declare without forwarding, and passes plugin errors through', async () => {
    for (const name of ['nope', '..%2F..%2Fmanifest', '__proto__']) {
      const response = await server.json<{ error: { code: string } }>(
        'POST',
        `/plugins/faulty/nodes/${name}/execute`,
        { inputs: {} },
      );
      expect(response.status).toBe(404);
      expect(response.body.error.code).toBe('PSRV_NODE_NOT_FOUND');
    }
    const invalid = await server.json<{ error: { code: string } }>(
      'POST',
      '/plugins/faulty/nodes/echo/execute',
      { inputs: { text: 3 } },
    );
    expect(invalid.status).toBe(400);
    expect(invalid.body.error.code).toBe('PLUGIN_VALIDATION_FAILED');
    const unknownPlugin = await server.json<{ error: { code: string } }>(
      'POST',
      '/plugins/ghost/nodes/echo/execute',
      { inputs: {} },
    );
    expect(unknownPlugin.status).toBe(404);
    expect(unknownPlugin.body.error.code).toBe('PSRV_PLUGIN_NOT_FOUND');
  });

  it('serves the log, with the process output in it', async () => {
    const response = await server.call('GET', '/plugins/faulty/logs?tail=50');
    expect(response.status).toBe(200);
    const text = await response.text();
    expect(text).toContain('plugin listening');
    expect(text).toContain('status running');
  });
});

describe('install from an upload, update, and a failed update', () => {
  it('installs an uploaded archive, then updates with the new version up before the old stops', async () => {
    const v1 = await readFile(await fixtureArchive({ version: '2.0.0' }));
    const uploaded = await server.json<{ fileId: string }>('POST', '/uploads', v1);
    expect(uploaded.status).toBe(201);
    await server.json('POST', '/plugins/faulty/install', {
      version: '2.0.0',
      source: { type: 'upload', fileId: uploaded.body.fileId },
    });
    const before = await server.waitFor(
      'faulty',
      (v) => v?.status === 'running' && v.version === '2.0.0',
    );
    expect(isAlive(before?.pid ?? 0)).toBe(true);

    const v3 = await server.json<{ fileId: string }>(
      'POST',
      '/uploads',
      await readFile(await fixtureArchive({ version: '3.0.0' })),
    );
    await server.json('POST', '/plugins/faulty/install', {
      version: '3.0.0',
      source: { type: 'upload', fileId: v3.body.fileId },
    });
    const after = await server.waitFor(
      'faulty',
      (v) => v?.status === 'running' && v.version === '3.0.0',
    );
    expect(after?.pid).not.toBe(before?.pid);
    // The previous version stays installed, its process kept for the workflows pinned to it.
    expect(after?.versions?.map((v) => [v.version, v.state, v.running])).toEqual([
      ['3.0.0', 'current', true],
      ['2.0.0', 'kept', true],
      ['1.0.0', 'kept', true],
    ]);
    expect(isAlive(before?.pid ?? 0)).toBe(true);
    const folders = await readdir(join(server.dataDir, 'plugins', 'faulty'));
    expect(folders.filter((v) => v !== 'versions.json')).toHaveLength(3);
  });

  it('keeps the old version serving when an update fails', async () => {
    const serving = await server.waitFor('faulty', running);
    const wrongId = await server.json<{ fileId: string }>(
      'POST',
      '/uploads',
      await readFile(await fixtureArchive({ version: '4.0.0' })),
    );
    await server.json('POST', '/plugins/faulty/install', {
      version: '9.9.9',
      source: { type: 'upload', fileId: wrongId.body.fileId },
    });
    const view = await server.waitFor('faulty', (v) => v?.lastError !== undefined);
    expect(view).toMatchObject({ status: 'running', version: serving?.version, pid: serving?.pid });
    expect(view?.lastError?.code).toBe('PSRV_PACKAGE_INVALID');
    expect(view?.lastError?.message).toContain('9.9.9');
    expect(
      (
        await server.json('POST', '/plugins/faulty/nodes/echo/execute', {
          inputs: { text: 'still here' },
        })
      ).status,
    ).toBe(200);
    const staging = await readdir(join(server.dataDir, 'staging'));
    expect(staging).toEqual([]);
  });
});

describe('uninstall', () => {
  it('stops the process, removes its folders, and is idempotent', async () => {
    const view = await server.waitFor('faulty', running);
    const response = await server.json('POST', '/plugins/faulty/uninstall');
    expect(response.body).toMatchObject({ status: 'uninstalling' });
    await server.waitFor('faulty', (v) => v === undefined);
    expect(isAlive(view?.pid ?? 0)).toBe(false);
    await expect(stat(join(server.dataDir, 'plugins', 'faulty'))).rejects.toThrow();
    expect((await server.json('POST', '/plugins/faulty/uninstall')).body).toMatchObject({
      status: 'uninstalled',
    });
  });
});

describe('dependencies', () => {
  it('installs a plugin with a registry dependency into its own node_modules with bun, never looking up the SDK', async () => {
    const { mkdtemp, mkdir, writeFile, rm } = await import('node:fs/promises');
    const { tmpdir } = await import('node:os');
    const { execFileSync } = await import('node:child_process');
    const { runCli } = await import('./helpers/fixture-package.ts');
    const dir = await mkdtemp(join(tmpdir(), 'plugboard-deps-'));
    await mkdir(join(dir, 'src'));
    await writeFile(
      join(dir, 'package.json'),
      JSON.stringify({
        name: 'numbers',
        version: '1.0.0',
        type: 'module',
        plugboard: { entry: 'src/index.ts' },
        dependencies: { 'is-number': '7.0.0' },
      }),
    );
    await writeFile(
      join(dir, 'src/index.ts'),
      [
        "import isNumber from 'is-number';",
        "import { defineNode, definePlugin, z } from '@plugboard/sdk';",
        "const check = defineNode({ name: 'check', title: 'Check', inputs: z.object({ value: z.string() }), outputs: z.object({ number: z.boolean() }), run: (_c, { value }) => ({ number: isNumber(value) }) });",
        "export default definePlugin({ id: 'numbers', version: '1.0.0', displayName: 'Numbers', nodes: [check] });",
        '',
      ].join('\n'),
    );
    // The manifest is generated where the dependency is installed, as an author would.
    execFileSync('npm', ['install', '--ignore-scripts', '--no-audit', '--no-fund'], {
      cwd: dir,
      stdio: 'ignore',
    });
    await runCli(['plugin', 'manifest', '--out', 'plugboard.manifest.json'], dir);
    await rm(join(dir, 'node_modules'), { recursive: true });

    const withBun = await startTestServer({ install: { installers: ['bun', 'npm'] } });
    try {
      await withBun.call('POST', '/plugins/numbers/install', {
        source: { type: 'local', path: dir },
      });
      await withBun.waitFor('numbers', running, 60_000);
      const result = await withBun.json<{ outputs: { number: boolean } }>(
        'POST',
        '/plugins/numbers/nodes/check/execute',
        { inputs: { value: '42' } },
      );
      expect(result.body.outputs.number).toBe(true);
      const log = await (await withBun.call('GET', '/plugins/numbers/logs?tail=200')).text();
      expect(log).toContain('installed with bun');
      const folders = (await readdir(join(withBun.dataDir, 'plugins', 'numbers'))).filter(
        (f) => f !== 'versions.json',
      );
      expect(folders).toHaveLength(1);
      const own = join(
        withBun.dataDir,
        'plugins',
        'numbers',
        folders[0] ?? '',
        'package',
        'node_modules',
      );
      expect((await readdir(own)).sort()).toContain('is-number');
      await expect(stat(join(own, '@plugboard'))).rejects.toThrow();
    } finally {
      await withBun.close();
    }
  });
});
