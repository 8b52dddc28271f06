// Deadlines, cancels, overload, SIGTERM drain and parent death, each on its own real process.
import { spawn } from 'node:child_process';
import { afterEach, describe, expect, it } from 'vitest';
import {
  CLI_BIN,
  FIXTURE_DIR,
  TOKEN,
  startPluginProcess,
  type PluginProcess,
} from '../helpers/plugin-process.ts';

const started: PluginProcess[] = [];
async function start(...args: Parameters<typeof startPluginProcess>): Promise<PluginProcess> {
  const plugin = await startPluginProcess(...args);
  started.push(plugin);
  return plugin;
}
afterEach(async () => {
  await Promise.all(started.splice(0).map((p) => p.stop()));
});

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

describe('deadline', () => {
  it('answers 504 at the deadline and aborts the node’s signal', async () => {
    const plugin = await start();
    const began = Date.now();
    const response = await plugin.call('/nodes/wait/execute', {
      inputs: { ms: 10_000 },
      context: { timeoutMs: 200 },
    });
    expect(response.status).toBe(504);
    expect(Date.now() - began).toBeLessThan(3_000);
    expect(await response.json()).toMatchObject({
      error: { code: 'PLUGIN_DEADLINE_EXCEEDED', retryable: true },
    });
    await plugin.waitForLog(
      (l) => l['msg'] === 'wait aborted' && l['reason'] === 'PLUGIN_DEADLINE_EXCEEDED',
    );
  });

  it('answers 504 on time even when the node ignores its signal', async () => {
    const plugin = await start();
    const began = Date.now();
    const response = await plugin.call('/nodes/stubborn/execute', {
      inputs: { ms: 3_000 },
      context: { timeoutMs: 200 },
    });
    expect(response.status).toBe(504);
    expect(Date.now() - began).toBeLessThan(2_000);
  });

  it('applies the default deadline when the request names none', async () => {
    const plugin = await start({ args: ['--default-timeout-ms', '150'] });
    const response = await plugin.call('/nodes/wait/execute', { inputs: { ms: 10_000 } });
    expect(response.status).toBe(504);
  });
});

describe('cancel', () => {
  it('passes a client abort on to the node’s signal', async () => {
    const plugin = await start();
    const controller = new AbortController();
    const pending = plugin.call(
      '/nodes/wait/execute',
      { inputs: { ms: 10_000 } },
      { signal: controller.signal },
    );
    await plugin.waitForLog((l) => l['msg'] === 'request' || true, 100).catch(() => undefined);
    setTimeout(() => {
      controller.abort();
    }, 200);
    await expect(pending).rejects.toThrow();
    const line = await plugin.waitForLog((l) => l['msg'] === 'wait aborted');
    expect(line['reason']).toBe('PLUGIN_CANCELLED');
    const health = (await (await plugin.call('/health')).json()) as { inFlight: number };
    expect(health.inFlight).toBe(0);
  });
});

describe('overload', () => {
  it('answers 503 with Retry-After past the concurrency limit, and recovers', async () => {
    const plugin = await start({ args: ['--max-concurrency', '2'] });
    const slow = [0, 1].map(() => plugin.call('/nodes/wait/execute', { inputs: { ms: 700 } }));
    await expect
      .poll(
        async () =>
          ((await (await plugin.call('/health')).json()) as { inFlight: number }).inFlight,
      )
      .toBe(2);
    const rejected = await plugin.call('/nodes/echo/execute', { inputs: { text: 'x' } });
    expect(rejected.status).toBe(503);
    expect(rejected.headers.get('retry-after')).toBe('1');
    expect(await rejected.json()).toMatchObject({
      error: { code: 'PLUGIN_OVERLOADED', kind: 'operational', retryable: true },
    });
    expect((await Promise.all(slow)).map((r) => r.status)).toEqual([200, 200]);
    expect((await plugin.call('/nodes/echo/execute', { inputs: { text: 'x' } })).status).toBe(200);
  });
});

describe('SIGTERM', () => {
  it('finishes in-flight work, refuses new work, then exits 0', async () => {
    const plugin = await start();
    const inFlight = plugin.call('/nodes/wait/execute', { inputs: { ms: 800 } });
    await expect
      .poll(
        async () =>
          ((await (await plugin.call('/health')).json()) as { inFlight: number }).inFlight,
      )
      .toBe(1);
    plugin.child.kill('SIGTERM');
    await plugin.waitForLog((l) => l['msg'] === 'draining');
    const late = await plugin.call('/nodes/echo/execute', { inputs: { text: 'late' } }).then(
      (r) => r.status,
      () => 'refused',
    );
    expect([503, 'refused']).toContain(late);
    const response = await inFlight;
    expect(response.status).toBe(200);
    expect(await response.json()).toMatchObject({ outputs: { waited: 800 } });
    expect(await plugin.exited).toEqual({ code: 0, signal: null });
    expect(plugin.logs().find((l) => l['msg'] === 'stopped')).toMatchObject({ drained: true });
  });

  it('aborts work that outlives the grace period and still exits', async () => {
    const plugin = await start({ args: ['--drain-timeout-ms', '300'] });
    const inFlight = plugin.call('/nodes/stubborn/execute', {
      inputs: { ms: 20_000 },
      context: { timeoutMs: 60_000 },
    });
    await expect
      .poll(
        async () =>
          ((await (await plugin.call('/health')).json()) as { inFlight: number }).inFlight,
      )
      .toBe(1);
    const began = Date.now();
    plugin.child.kill('SIGTERM');
    const response = await inFlight;
    expect(response.status).toBe(503);
    expect(await response.json()).toMatchObject({ error: { code: 'PLUGIN_SHUTTING_DOWN' } });
    expect(await plugin.exited).toEqual({ code: 0, signal: null });
    expect(Date.now() - began).toBeLessThan(3_000);
  });
});

describe('parent death', () => {
  it('exits when its parent is killed', async () => {
    // A parent that starts the plugin process, reports its pid, then waits to be SIGKILLed.
    const script = `
      const { spawn } = require('node:child_process');
      const child = spawn(process.execPath, [${JSON.stringify(CLI_BIN)}, 'plugin', 'serve', ${JSON.stringify(FIXTURE_DIR)}, '--port', '0'],
        { env: { PATH: process.env.PATH, PLUGBOARD_PLUGIN_TOKEN: ${JSON.stringify(TOKEN)} }, stdio: ['ignore', 'pipe', 'ignore'] });
      child.stdout.once('data', () => console.log(child.pid));
      setInterval(() => {}, 1000);
    `;
    const parent = spawn(process.execPath, ['-e', script], {
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    const pid = await new Promise<number>((resolve) => {
      parent.stdout.once('data', (chunk: Buffer) => {
        resolve(Number(chunk.toString().trim()));
      });
    });
    expect(isAlive(pid)).toBe(true);
    parent.kill('SIGKILL');
    await expect.poll(() => isAlive(pid), { timeout: 5_000, interval: 100 }).toBe(false);
  });
});
