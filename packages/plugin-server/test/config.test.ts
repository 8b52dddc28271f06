// Configuration from the desired state, checked by the plugin: missing → missing_config (no
// restart loop, nodes refused with a clear 409), then running once the config is given.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ReconcileReport } from '../src/index.ts';
import { fixtureFolder } from './helpers/fixture-package.ts';
import { startStatusReceiver, type StatusReceiver } from './helpers/status-receiver.ts';
import { startTestServer, type TestServer } from './helpers/test-server.ts';

let receiver: StatusReceiver;
let server: TestServer;
let folder: string;
beforeAll(async () => {
  receiver = await startStatusReceiver();
  server = await startTestServer({ platformUrl: receiver.url, reconcileIntervalMs: 3_600_000 });
  folder = await fixtureFolder({ mode: 'needs-config' });
});
afterAll(async () => {
  await server.close();
  await receiver.close();
});

/** The platform's list holds the plugin with `config`, and the platform nudges a pull. */
const reconcile = (config?: Record<string, unknown>) => {
  receiver.desired = [
    {
      id: 'faulty',
      source: { type: 'local', path: folder },
      status: 'installing',
      ...(config === undefined ? {} : { config }),
    },
  ];
  return server.json<ReconcileReport>('POST', '/reconcile', {});
};

describe('plugin configuration', () => {
  it('ends in missing_config with the plugin’s reason, without restarting, and refuses node runs', async () => {
    await reconcile();
    const view = await server.waitFor('faulty', (v) => v?.status === 'missing_config');
    expect(view?.reason).toContain('region: set the region to serve');
    await new Promise((resolve) => setTimeout(resolve, 800));
    expect((await server.waitFor('faulty', (v) => v !== undefined))?.restarts).toBe(0);
    const refused = await server.json<{ error: { code: string; message: string } }>(
      'POST',
      '/plugins/faulty/nodes/echo/execute',
      { inputs: { text: 'x' } },
    );
    expect(refused.status).toBe(409);
    expect(refused.body.error.message).toContain('configured');
    expect(receiver.statuses('faulty')).toEqual(['installing', 'missing_config']);
  });

  it('moves to running when the desired config changes to a valid one', async () => {
    const report = await reconcile({ region: 'eu' });
    expect(report.body.actions).toEqual([
      { id: 'faulty', action: 'configure', reason: 'the configuration changed' },
    ]);
    await server.waitFor('faulty', (v) => v?.status === 'running');
    await receiver.waitFor(() => receiver.statuses('faulty').at(-1) === 'running');
    expect(
      (await server.json('POST', '/plugins/faulty/nodes/echo/execute', { inputs: { text: 'x' } }))
        .status,
    ).toBe(200);
    expect((await reconcile({ region: 'eu' })).body.actions[0]?.action).toBe('none');
  });

  it('goes back to missing_config when the config becomes invalid, through the config route too', async () => {
    await server.json('POST', '/plugins/faulty/config', { config: {} });
    await server.waitFor('faulty', (v) => v?.status === 'missing_config');
    await server.json('POST', '/plugins/faulty/config', { config: { region: 'us' } });
    await server.waitFor('faulty', (v) => v?.status === 'running');
  });

  it('is held by the process: a change reaches it without a restart, and a new process has it before its first call', async () => {
    const echo = async () => {
      const answer = await server.json<{ outputs: { region?: string } }>(
        'POST',
        '/plugins/faulty/nodes/echo/execute',
        // A config sent with the call is not the plugin's: the process's own is used.
        { inputs: { text: 'x' }, context: { pluginConfig: { region: 'sent' } } },
      );
      expect(answer.status, JSON.stringify(answer.body)).toBe(200);
      return answer.body.outputs;
    };
    const pid = async () => (await server.waitFor('faulty', (v) => v?.pid !== undefined))?.pid;
    const before = await pid();
    expect((await echo()).region).toBe('us');
    await server.json('POST', '/plugins/faulty/config', { config: { region: 'ap' } });
    await server.waitFor('faulty', (v) => v?.status === 'running');
    await expect.poll(async () => (await echo()).region).toBe('ap');
    expect(await pid()).toBe(before);

    // A crash: the new process was given its configuration before it took any call.
    const crashed = await server.json('POST', '/plugins/faulty/nodes/crash/execute', {
      inputs: {},
    });
    expect(crashed.status).toBe(502);
    await server.waitFor('faulty', (v) => v?.pid !== undefined && v.pid !== before);
    expect((await echo()).region).toBe('ap');
  });
});
