// Plugin code that ignores its abort signal past the deadline must not take the plugin away: the
// process frees the slots of such stuck executions and reports them on /health, and the Plugin
// Server swaps in a fresh process at once (not at the next regular probe), with no call failing
// meanwhile. It counts as a timeout in the plugin's record, not as a crash.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Client } from 'undici';
import { healthResponseSchema } from '@plugboard/protocol';
import { fixtureFolder } from './helpers/fixture-package.ts';
import { isAlive, startTestServer, type TestServer } from './helpers/test-server.ts';

let server: TestServer;
beforeAll(async () => {
  // Regular probes far apart, so only the check that follows an overrun can act in time.
  server = await startTestServer({ supervision: { healthIntervalMs: 60_000 } });
  const folder = await fixtureFolder();
  await server.call('POST', '/plugins/faulty/install', {
    source: { type: 'local', path: folder },
  });
  await server.waitFor('faulty', (v) => v?.status === 'running', 60_000);
}, 90_000);
afterAll(async () => {
  await server.close();
});

const execute = (node: string, inputs: unknown, timeoutMs: number) =>
  server.call(
    'POST',
    `/plugins/faulty/nodes/${node}/execute`,
    { inputs, context: { timeoutMs } },
    { 'x-plugboard-timeout-ms': String(timeoutMs) },
  );

describe('executions that ignore their signal', () => {
  it('leave the plugin serving: 40 of them get the process replaced, and no other call fails', async () => {
    const first = await server.waitFor('faulty', (v) => v?.pid !== undefined);
    const hung = await Promise.all(Array.from({ length: 40 }, () => execute('hang', {}, 300)));
    const codes = await Promise.all(
      hung.map(async (r) => ({
        status: r.status,
        code: ((await r.json()) as { error?: { code: string } }).error?.code,
      })),
    );
    // Each is answered; those that found every slot taken are refused as retryable overload.
    for (const { status, code } of codes) {
      expect([504, 503]).toContain(status);
      expect(['PLUGIN_DEADLINE_EXCEEDED', 'PLUGIN_OVERLOADED']).toContain(code);
    }

    const statuses: number[] = [];
    const deadline = Date.now() + 5_000;
    let replaced: Awaited<ReturnType<TestServer['waitFor']>>;
    for (;;) {
      statuses.push((await execute('echo', { text: 'still here' }, 5_000)).status);
      const view = await server.waitFor('faulty', () => true);
      expect(view?.status).toBe('running');
      if (view?.pid !== first?.pid) {
        replaced = view;
        break;
      }
      expect(Date.now()).toBeLessThan(deadline);
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    expect(statuses.every((s) => s === 200)).toBe(true);
    expect(replaced?.timeouts).toBe(1);
    expect(replaced?.restarts).toBe(0);
    expect(replaced?.lastError?.code).toBe('PSRV_PLUGIN_TIMEOUT');
    await expect.poll(() => isAlive(first?.pid ?? 0), { timeout: 10_000 }).toBe(false);
    expect((await execute('echo', { text: 'again' }, 5_000)).status).toBe(200);
    // The count came from the process's own /health.
    const log = await (await server.call('GET', '/plugins/faulty/logs?tail=200')).text();
    expect(log).toMatch(/\d+ executions kept running past the deadline or cancel; replacing/);
  }, 60_000);

  it('is what the process’s /health reports, beside its saturation', async () => {
    const running = server.server.manager.get('faulty')?.running;
    if (running === undefined) {
      throw new Error('faulty is not running');
    }
    const { socketPath, url } = running.process;
    const client = new Client(url, socketPath === undefined ? {} : { socketPath });
    const health = async () =>
      healthResponseSchema.parse(
        await (await client.request({ method: 'GET', path: '/health' })).body.json(),
      );
    try {
      const max = (await health()).maxConcurrency ?? 0;
      const busy = Array.from({ length: max }, () => execute('slow', { ms: 1_500 }, 10_000));
      await expect
        .poll(health, { timeout: 5_000 })
        .toMatchObject({ inFlight: max, saturated: true, stuck: 0 });
      expect((await Promise.all(busy)).map((r) => r.status)).toEqual(busy.map(() => 200));
      expect(await health()).toMatchObject({ inFlight: 0, saturated: false, stuck: 0 });
    } finally {
      await client.close();
    }
  }, 30_000);
});
