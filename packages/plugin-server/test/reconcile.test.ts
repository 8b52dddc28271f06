// Each branch of the reconciliation state machine, against a real Plugin Server and a platform
// stand-in that serves the desired state (pulled on each nudge) and receives the status webhooks.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ReconcileReport } from '../src/index.ts';
import { fixtureFolder } from './helpers/fixture-package.ts';
import { rewriteId } from './helpers/rewrite-id.ts';
import { startStatusReceiver, type StatusReceiver } from './helpers/status-receiver.ts';
import { startTestServer, type TestServer } from './helpers/test-server.ts';

let receiver: StatusReceiver;
let server: TestServer;
let v1: string;
let v2: string;
beforeAll(async () => {
  receiver = await startStatusReceiver();
  server = await startTestServer({
    platformUrl: receiver.url,
    reconcileIntervalMs: 3_600_000,
    supervision: { crashLoopCount: 2, crashLoopWindowMs: 60_000 },
  });
  v1 = await fixtureFolder();
  v2 = await fixtureFolder({ version: '2.0.0' });
});
afterAll(async () => {
  await server.close();
  await receiver.close();
});

/** The platform's list becomes `plugins`, and the platform nudges: the server pulls it now. */
async function reconcile(plugins: unknown[]): Promise<ReconcileReport['actions']> {
  receiver.desired = plugins;
  const response = await server.json<ReconcileReport>('POST', '/reconcile', {});
  expect(response.status).toBe(200);
  return response.body.actions;
}

const local = (path: string) => ({ type: 'local', path });

describe('reconcile', () => {
  it('installs what is missing, and a second pass while it installs does nothing (idempotent)', async () => {
    const desired = [{ id: 'faulty', version: '1.0.0', source: local(v1), status: 'installing' }];
    expect(await reconcile(desired)).toEqual([
      { id: 'faulty', action: 'install', reason: 'not on this server' },
    ]);
    expect((await reconcile(desired))[0]).toMatchObject({ action: 'none' });
    await server.waitFor('faulty', (v) => v?.status === 'running');
    expect((await reconcile(desired))[0]).toMatchObject({ action: 'none', reason: 'running' });
  });

  it('updates when the desired version differs', async () => {
    const actions = await reconcile([
      { id: 'faulty', version: '2.0.0', source: local(v2), status: 'running' },
    ]);
    expect(actions[0]).toMatchObject({ action: 'update' });
    await server.waitFor('faulty', (v) => v?.status === 'running' && v.version === '2.0.0');
  });

  it('makes a desired version that is installed current without fetching it again', async () => {
    // The source names a folder that is not there: only the installed version can serve.
    const actions = await reconcile([
      { id: 'faulty', version: '1.0.0', source: local('/nowhere'), status: 'running' },
    ]);
    expect(actions[0]).toEqual({
      id: 'faulty',
      action: 'update',
      reason: 'version 2.0.0 → 1.0.0 (installed)',
    });
    const view = await server.waitFor(
      'faulty',
      (v) => v?.status === 'running' && v.version === '1.0.0',
    );
    expect(view?.versions?.map((v) => `${v.version} ${v.state}`)).toEqual([
      '2.0.0 kept',
      '1.0.0 current',
    ]);
  });

  it('restarts what is in error', async () => {
    const loops = await fixtureFolder({ mode: 'crash-after-start' });
    await rewriteId(loops, 'loops');
    const desired = { id: 'loops', source: local(loops), status: 'running' };
    await reconcile([
      { id: 'faulty', version: '2.0.0', source: local(v2), status: 'running' },
      desired,
    ]);
    await server.waitFor('loops', (v) => v?.status === 'error', 30_000);
    const actions = await reconcile([
      { id: 'faulty', version: '2.0.0', source: local(v2), status: 'running' },
      desired,
    ]);
    expect(actions.find((a) => a.id === 'loops')).toMatchObject({ action: 'restart' });
    await server.waitFor('loops', (v) => v?.status === 'restarting' || v?.status === 'running');
    // A plugin that keeps failing backs off on its own; the others are not held up.
    await server.waitFor('loops', (v) => v?.status === 'error', 30_000);
    const again = await reconcile([
      { id: 'faulty', version: '2.0.0', source: local(v2), status: 'running' },
      desired,
    ]);
    expect(again.find((a) => a.id === 'loops')).toMatchObject({ action: 'wait' });
    expect(again.find((a) => a.id === 'faulty')).toMatchObject({ action: 'none' });
  });

  it('uninstalls what is uninstalling, and removes what is not desired at all', async () => {
    const actions = await reconcile([{ id: 'faulty', source: local(v2), status: 'uninstalling' }]);
    expect(actions).toEqual(
      expect.arrayContaining([
        { id: 'faulty', action: 'uninstall', reason: 'desired status is uninstalling' },
        { id: 'loops', action: 'remove', reason: 'on this server but not desired' },
      ]),
    );
    await server.waitFor('faulty', (v) => v === undefined);
    await server.waitFor('loops', (v) => v === undefined);
    await receiver.waitFor(
      () =>
        receiver.statuses('faulty').at(-1) === 'uninstalled' &&
        receiver.statuses('loops').at(-1) === 'uninstalled',
    );
  });

  it('marks uninstalled what is uninstalling but not on this server', async () => {
    receiver.received.length = 0;
    expect(await reconcile([{ id: 'ghost', source: local(v1), status: 'uninstalling' }])).toEqual([
      {
        id: 'ghost',
        action: 'mark-uninstalled',
        reason: 'not on this server and being uninstalled',
      },
    ]);
    await receiver.waitFor(() => receiver.statuses('ghost').includes('uninstalled'));
    expect(await reconcile([{ id: 'ghost', source: local(v1), status: 'uninstalled' }])).toEqual([
      { id: 'ghost', action: 'none', reason: 'not on this server and uninstalled' },
    ]);
  });

  it('refuses a desired list that is not one, naming what is wrong, and acts on none of it', async () => {
    receiver.desired = [{ id: 'x' }, { id: 'fine', source: local(v1), status: 'installing' }];
    const response = await server.json<{ error: { code: string; message: string } }>(
      'POST',
      '/reconcile',
      {},
    );
    expect(response.status).toBe(502);
    expect(response.body.error.code).toBe('PSRV_SOURCE_FAILED');
    expect(response.body.error.message).toContain("the platform's desired state is invalid");
    expect(response.body.error.message).toContain('plugins.0.source');
    expect(server.server.manager.get('fine')).toBeUndefined();
  });
});

describe('regressions', () => {
  it('refuses desired ids that are not plugin ids (a path would reach the file system)', async () => {
    for (const id of ['a/b', '../../tmp/x', 'Foo']) {
      receiver.desired = [{ id, source: local(v1), status: 'uninstalling' }];
      const response = await server.json('POST', '/reconcile', {});
      expect(response.status, id).toBe(502);
    }
  });

  it('an install queued right behind an uninstall ends with the plugin installed and tracked', async () => {
    await server.call('POST', '/plugins/again/install', { source: local(v1) });
    await server.waitFor('again', (v) => v?.status === 'error' || v?.status === 'running');
    await server.call('POST', '/plugins/again/uninstall');
    const folder = await fixtureFolder();
    await rewriteId(folder, 'again');
    await server.call('POST', '/plugins/again/install', { source: local(folder) });
    const view = await server.waitFor('again', (v) => v?.status === 'running', 30_000);
    expect(view?.pid).toBeGreaterThan(0);
    const list = await server.json<{ plugins: { id: string }[] }>('GET', '/plugins');
    expect(list.body.plugins.filter((p) => p.id === 'again')).toHaveLength(1);
    await server.call('POST', '/plugins/again/uninstall');
    await server.waitFor('again', (v) => v === undefined);
  });
});
