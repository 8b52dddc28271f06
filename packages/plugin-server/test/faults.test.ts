// The fault-injection cases (F-cases) that apply to one Plugin Server and its plugin processes,
// each asserting the end state: statuses, processes left, ports.
import { readFile } from 'node:fs/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fixtureFolder } from './helpers/fixture-package.ts';
import { isAlive, startTestServer, type TestServer } from './helpers/test-server.ts';

let server: TestServer;
beforeAll(async () => {
  server = await startTestServer({
    limits: { handshakeTimeoutMs: 1_500 },
    supervision: {
      crashLoopCount: 3,
      crashLoopWindowMs: 60_000,
      restartBaseMs: 100,
      restartMaxMs: 300,
      stopGraceMs: 1_000,
    },
    allowChildProcess: ['grandparent'],
  });
});
afterAll(async () => {
  await server.close();
});

async function install(
  id: string,
  mode: string,
  declared?: Record<string, unknown>,
): Promise<void> {
  const folder = await fixtureFolder({ mode, ...(declared === undefined ? {} : { declared }) });
  // The fixture is plugin "faulty"; the tests install it under other ids by rewriting its manifest.
  const { rewriteId } = await import('./helpers/rewrite-id.ts');
  await rewriteId(folder, id);
  const response = await server.call('POST', `/plugins/${id}/install`, {
    source: { type: 'local', path: folder },
  });
  expect(response.status).toBe(202);
}

async function uninstall(id: string): Promise<void> {
  await server.call('POST', `/plugins/${id}/uninstall`);
  await server.waitFor(id, (v) => v === undefined);
}

describe('F1: the plugin dies while a request is in flight', () => {
  it('answers 502 without re-sending, then restarts it (restarting → running)', async () => {
    await install('crasher', 'ok');
    const first = await server.waitFor('crasher', (v) => v?.status === 'running');
    const response = await server.json<{ error: { code: string; message: string } }>(
      'POST',
      '/plugins/crasher/nodes/crash/execute',
      { inputs: {} },
    );
    expect(response.status).toBe(502);
    expect(response.body.error.code).toBe('PSRV_PLUGIN_CRASHED');
    expect(response.body.error.message).toContain('not sent again');
    const back = await server.waitFor(
      'crasher',
      (v) => v?.status === 'running' && v.pid !== first?.pid,
    );
    expect(back?.restarts, JSON.stringify(back).slice(0, 400)).toBe(1);
    expect(back?.lastError?.message).toContain('SIGKILL');
    expect(isAlive(first?.pid ?? 0)).toBe(false);
    expect(
      (
        await server.call('POST', '/plugins/crasher/nodes/echo/execute', {
          inputs: { text: 'again' },
        })
      ).status,
    ).toBe(200);
    await uninstall('crasher');
  });
});

describe('F2: the plugin crashes again and again after starting', () => {
  it('restarts it with backoff, then ends in error with the reason and the log tail', async () => {
    await install('loops', 'crash-after-start');
    const view = await server.waitFor('loops', (v) => v?.status === 'error', 30_000);
    expect(view?.reason).toContain('crashed 3 times');
    expect(view?.reason).toContain('exited with code 3');
    expect(view?.restarts).toBeGreaterThanOrEqual(2);
    expect(view?.lastError?.logTail?.length).toBeGreaterThan(0);
    expect(view?.pid).toBeUndefined();
    await uninstall('loops');
  });
});

describe('F4/F5: a plugin that cannot start', () => {
  it.each([
    ['crashes', 'crash-on-start', 'exited with code 1 before its handshake'],
    ['hangs', 'hang-before-handshake', 'no handshake within 1500 ms'],
    ['garbles', 'garbage-handshake', 'unrecognised handshake'],
  ])(
    '%s: the install ends in error with the reason and the log tail, no process left',
    async (id, mode, reason) => {
      await install(id, mode);
      const view = await server.waitFor(id, (v) => v?.status === 'error', 30_000);
      expect(view?.reason).toContain(reason);
      expect(view?.lastError?.logTail?.length).toBeGreaterThan(0);
      expect(view?.pid).toBeUndefined();
      await uninstall(id);
    },
  );
});

describe('F3: the plugin never answers a request', () => {
  it('answers 504 at the deadline', async () => {
    await install('hanger', 'ok');
    await server.waitFor('hanger', (v) => v?.status === 'running');
    const began = Date.now();
    const response = await server.call(
      'POST',
      '/plugins/hanger/nodes/hang/execute',
      JSON.stringify({ inputs: {}, context: { timeoutMs: 300 } }),
      {
        'x-plugboard-timeout-ms': '300',
      },
    );
    expect(response.status).toBe(504);
    expect(Date.now() - began).toBeLessThan(5_000);
    await uninstall('hanger');
  });
});

describe('F6: the plugin floods stdout', () => {
  it('keeps draining, so the plugin keeps serving', async () => {
    await install('flooder', 'flood-stdout');
    await server.waitFor('flooder', (v) => v?.status === 'running');
    await new Promise((resolve) => setTimeout(resolve, 1_000));
    const response = await server.call('POST', '/plugins/flooder/nodes/echo/execute', {
      inputs: { text: 'alive' },
    });
    expect(response.status).toBe(200);
    await uninstall('flooder');
  });
});

describe('F17: the plugin ignores SIGTERM', () => {
  it('is killed after the grace period and uninstall completes', async () => {
    await install('stubborn', 'ignore-sigterm');
    const view = await server.waitFor('stubborn', (v) => v?.status === 'running');
    await new Promise((resolve) => setTimeout(resolve, 400));
    const began = Date.now();
    await uninstall('stubborn');
    expect(Date.now() - began).toBeLessThan(5_000);
    expect(isAlive(view?.pid ?? 0)).toBe(false);
  });
});

async function childrenOf(pid: number): Promise<number[]> {
  const list = await readFile(`/proc/${String(pid)}/task/${String(pid)}/children`, 'utf8');
  return list.trim().split(/\s+/).filter(Boolean).map(Number);
}

describe('F16: the plugin spawns a grandchild', () => {
  it('leaves no descendant behind when it is stopped', async () => {
    await install('grandparent', 'spawn-grandchild', { permissions: { childProcesses: true } });
    const view = await server.waitFor('grandparent', (v) => v?.status === 'running');
    const response = await server.json<{ outputs: { grandchildren: number[] } }>(
      'POST',
      '/plugins/grandparent/nodes/echo/execute',
      { inputs: { text: 'x' } },
    );
    expect(response.body.outputs.grandchildren).toHaveLength(1);
    // The plugin sees its own pid namespace; on the host its child is found under its pid.
    const [grandchild] = await childrenOf(view?.pid ?? 0);
    expect(grandchild).toBeGreaterThan(0);
    expect(isAlive(grandchild ?? 0)).toBe(true);
    await uninstall('grandparent');
    await expect.poll(() => isAlive(grandchild ?? 0)).toBe(false);
  });
});

describe('overload', () => {
  it('answers 503 with Retry-After past the per-plugin queue', async () => {
    const tight = await startTestServer({ limits: { connectionsPerPlugin: 1, queuePerPlugin: 1 } });
    try {
      const folder = await fixtureFolder();
      await tight.call('POST', '/plugins/faulty/install', {
        source: { type: 'local', path: folder },
      });
      await tight.waitFor('faulty', (v) => v?.status === 'running');
      const slow = [0, 1].map(() =>
        tight.call('POST', '/plugins/faulty/nodes/slow/execute', { inputs: { ms: 600 } }),
      );
      await new Promise((resolve) => setTimeout(resolve, 150));
      const rejected = await tight.call('POST', '/plugins/faulty/nodes/echo/execute', {
        inputs: { text: 'x' },
      });
      expect(rejected.status).toBe(503);
      expect(rejected.headers.get('retry-after')).toBe('1');
      expect(((await rejected.json()) as { error: { code: string } }).error.code).toBe(
        'PSRV_PLUGIN_OVERLOADED',
      );
      expect((await Promise.all(slow)).map((r) => r.status)).toEqual([200, 200]);
    } finally {
      await tight.close();
    }
  });
});

describe('F3: a process that stops answering health checks', () => {
  it('is replaced after the configured failures', async () => {
    const strict = await startTestServer({
      supervision: { healthIntervalMs: 200, healthTimeoutMs: 200, healthFailures: 2 },
    });
    try {
      const folder = await fixtureFolder();
      await strict.call('POST', '/plugins/faulty/install', {
        source: { type: 'local', path: folder },
      });
      const first = await strict.waitFor('faulty', (v) => v?.status === 'running');
      void strict
        .call('POST', '/plugins/faulty/nodes/block/execute', { inputs: { ms: 20_000 } })
        .catch(() => undefined);
      const replaced = await strict.waitFor(
        'faulty',
        (v) => v?.status === 'running' && v.pid !== undefined && v.pid !== first?.pid,
        15_000,
      );
      expect(replaced?.restarts).toBe(1);
      expect(isAlive(first?.pid ?? 0)).toBe(false);
      const log = await (await strict.call('GET', '/plugins/faulty/logs?tail=200')).text();
      expect(log).toContain('unhealthy');
    } finally {
      await strict.close();
    }
  });
});

describe('F18: one input blocks the event loop past its deadline', () => {
  it('replaces the process at the deadline, counts a timeout (not a crash), and the other calls are answered by the new process or with a retryable error', async () => {
    await install('stuck', 'ok');
    const first = await server.waitFor('stuck', (v) => v?.status === 'running');
    const execute = (node: string, inputs: unknown, timeoutMs: number) =>
      server.call(
        'POST',
        `/plugins/stuck/nodes/${node}/execute`,
        { inputs },
        {
          'x-plugboard-timeout-ms': String(timeoutMs),
        },
      );
    const started = Date.now();
    const blocked = execute('block', { ms: 60_000 }, 500);
    await new Promise((resolve) => setTimeout(resolve, 100));
    const bystander = execute('echo', { text: 'behind it' }, 30_000);
    const [overdue, other] = await Promise.all([blocked, bystander]);
    expect(overdue.status).toBe(504);
    expect(((await overdue.json()) as { error: { code: string } }).error.code).toBe(
      'PSRV_PLUGIN_TIMEOUT',
    );
    // At the deadline (plus the margin for the plugin's own answer), not after health probes.
    expect(Date.now() - started).toBeLessThan(5_000);
    // The call behind it was never read by the stuck process: it is answered by the new process
    // when its connection's reset shows that, else with a retryable error; never lost, never run twice.
    expect([200, 503]).toContain(other.status);
    if (other.status === 503) {
      expect(((await other.json()) as { error: { retryable: boolean } }).error.retryable).toBe(
        true,
      );
    }
    const back = await server.waitFor(
      'stuck',
      (v) => v?.status === 'running' && v.pid !== first?.pid,
    );
    expect(back?.timeouts).toBe(1);
    expect(back?.restarts).toBe(0);
    expect(back?.lastError?.code).toBe('PSRV_PLUGIN_TIMEOUT');
    expect(isAlive(first?.pid ?? 0)).toBe(false);
    expect((await execute('echo', { text: 'again' }, 5_000)).status).toBe(200);
    await uninstall('stuck');
  });
});

describe('F14: the caller goes away mid-request', () => {
  it('aborts the work inside the plugin and frees its slot', async () => {
    await install('aborted', 'ok');
    await server.waitFor('aborted', (v) => v?.status === 'running');
    const controller = new AbortController();
    const pending = fetch(`${server.url}/plugins/aborted/nodes/slow/execute`, {
      method: 'POST',
      headers: {
        authorization: `Bearer ${(await import('./helpers/test-server.ts')).API_KEY}`,
        'content-type': 'application/json',
      },
      body: JSON.stringify({ inputs: { ms: 10_000 } }),
      signal: controller.signal,
    });
    setTimeout(() => {
      controller.abort();
    }, 300);
    await expect(pending).rejects.toThrow();
    await expect
      .poll(
        async () =>
          (await (await server.call('GET', '/plugins/aborted/logs?tail=50')).text()).includes(
            'PLUGIN_CANCELLED',
          ),
        { timeout: 5_000 },
      )
      .toBe(true);
    expect(
      (
        await server.call('POST', '/plugins/aborted/nodes/echo/execute', {
          inputs: { text: 'next' },
        })
      ).status,
    ).toBe(200);
    await uninstall('aborted');
  });
});

describe('after uninstall', () => {
  it('nothing listens on the plugin’s port any more', async () => {
    await install('porter', 'ok');
    const view = await server.waitFor('porter', (v) => v?.status === 'running');
    await uninstall('porter');
    await expect(fetch(`http://127.0.0.1:${String(view?.port)}/health`)).rejects.toThrow();
  });
});
