// The sandbox's cost: the same echo plugin on two real Plugin Servers, one with the sandbox off
// (a bare process on a TCP port) and one confined by every layer this host has (bubblewrap,
// its own uid, cgroups, a Unix socket). Cold start is timed from the restart request to
// `running` (stop, spawn, handshake, manifest and config check: alike but for the sandbox), the
// per-call cost by a load client in its own process through each server, and idle memory as the
// private memory of the plugin and of the sandbox's own processes.
import { once } from 'node:events';
import { readFile } from 'node:fs/promises';
import { createPluginServer, loadServerConfig, type PluginServer } from '@plugboard/plugin-server';
import { API_KEY } from './bench-server.ts';
import { runLoad } from './load.ts';
import { percentile } from './measure.ts';
import { CLI, echoPluginCopy } from './plugin-fixture.ts';
import type { BenchRow, BenchSection } from './report.ts';
import { untilRunning } from './until-running.ts';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const ID = 'bench-echo';
const STARTS = 15;
const COLD_START_TARGET_MS = 30;
const PER_CALL_TARGET_MS = 0.05;

interface Measured {
  /** Launch → handshake, per start. */
  readonly startsMs: readonly number[];
  /** Restart request → running (stop, start, manifest and config check). */
  readonly restartsMs: readonly number[];
  readonly p50Ms: number;
  readonly p99Ms: number;
  readonly privateKiB: number;
  readonly layers: string;
}

async function measure(mode: 'off' | 'auto', pluginDir: string): Promise<Measured> {
  const dataDir = await mkdtemp(join(tmpdir(), `plugboard-bench-sandbox-${mode}-`));
  const config = loadServerConfig(
    {},
    {
      apiKeys: [API_KEY],
      host: '127.0.0.1',
      port: 0,
      dataDir,
      devMode: true,
      logLevel: 'silent',
      sandbox: { mode },
    },
  );
  const server: PluginServer = await createPluginServer({
    config,
    serveBin: CLI,
    hostEnv: process.env,
  });
  try {
    const url = await server.listen();
    server.manager.install(ID, { source: { type: 'local', path: pluginDir } });
    await untilRunning(server.manager, 1, 60_000);
    const restartsMs: number[] = [];
    // The first start fills the plugin's compile cache; the ones measured find it warm.
    for (let i = 0; i <= STARTS; i++) {
      const began = performance.now();
      server.manager.restart(ID);
      for (;;) {
        const [change] = (await once(server.manager, 'status')) as [{ status: string }];
        if (change.status === 'running') {
          break;
        }
      }
      if (i > 0) {
        restartsMs.push(performance.now() - began);
      }
    }
    const load = await runLoad({
      origin: url.replace('localhost', '127.0.0.1'),
      path: `/plugins/${ID}/nodes/echo/execute`,
      headers: { authorization: `Bearer ${API_KEY}`, 'content-type': 'application/json' },
      body: JSON.stringify({ inputs: { text: 'hello' } }),
      expect: '"text":"hello"',
      clients: 1,
      warmUpMs: 1_000,
      durationMs: 3_000,
    });
    const plugin = server.manager.get(ID);
    const pid = plugin?.running?.process.pid ?? 0;
    // Launch (sandbox prepared, spawned) to handshake, as the engine logs it for each start.
    const log = await readFile(join(dataDir, 'logs', `${ID}.log`), 'utf8');
    const startsMs = [...log.matchAll(/(\d+\.\d) ms after the launch began/g)]
      .map((match) => Number(match[1]))
      .slice(2);
    return {
      startsMs,
      restartsMs,
      p50Ms: load.p50Ms,
      p99Ms: load.p99Ms,
      privateKiB: await privateKiB(pid, mode === 'auto'),
      layers: plugin?.running?.process.sandbox.confined.join(', ') ?? '',
    };
  } finally {
    await server.close();
    await rm(dataDir, { recursive: true, force: true });
  }
}

/** Private memory of the plugin, plus bubblewrap's two processes above it when sandboxed. */
async function privateKiB(pid: number, withSandbox: boolean): Promise<number> {
  const pids = [pid];
  if (withSandbox) {
    const init = await parentOf(pid);
    pids.push(init, await parentOf(init));
  }
  let total = 0;
  for (const one of pids) {
    const rollup = await readFile(`/proc/${String(one)}/smaps_rollup`, 'utf8').catch(() => '');
    for (const field of ['Private_Clean', 'Private_Dirty']) {
      total += Number(new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(rollup)?.[1] ?? 0);
    }
  }
  return total;
}

async function parentOf(pid: number): Promise<number> {
  const status = await readFile(`/proc/${String(pid)}/status`, 'utf8').catch(() => '');
  return Number(/^PPid:\s+(\d+)/m.exec(status)?.[1] ?? 0);
}

export async function benchSandbox(): Promise<BenchRow[]> {
  const echo = await echoPluginCopy();
  try {
    const bare = await measure('off', echo.dir);
    const confined = await measure('auto', echo.dir);
    const start = (m: Measured): number => percentile([...m.startsMs], 50);
    const addedStart = start(confined) - start(bare);
    const addedCall = confined.p50Ms - bare.p50Ms;
    return [
      {
        name: `cold start (launch → handshake), median of ${String(STARTS)}, sandboxed (${confined.layers})`,
        value: start(confined),
        unit: 'ms',
        baseline: start(bare),
        digits: 1,
        target: `adds ≤ ${String(COLD_START_TARGET_MS)} ms`,
        pass: addedStart <= COLD_START_TARGET_MS,
        extra: `adds ${addedStart.toFixed(1)} ms; p90 ${percentile([...confined.startsMs], 90).toFixed(1)} vs ${percentile([...bare.startsMs], 90).toFixed(1)} ms; a whole restart (stop, start, manifest, config check) ${percentile([...confined.restartsMs], 50).toFixed(0)} vs ${percentile([...bare.restartsMs], 50).toFixed(0)} ms`,
      },
      {
        name: 'one call through the Plugin Server, 1 client, p50',
        value: confined.p50Ms,
        unit: 'ms',
        baseline: bare.p50Ms,
        digits: 3,
        target: `adds ≤ ${String(PER_CALL_TARGET_MS)} ms`,
        pass: addedCall <= PER_CALL_TARGET_MS,
        extra: `adds ${addedCall.toFixed(3)} ms; p99 ${confined.p99Ms.toFixed(3)} vs ${bare.p99Ms.toFixed(3)} ms`,
      },
      {
        name: 'idle private memory per plugin (the plugin, plus bubblewrap when sandboxed)',
        value: confined.privateKiB / 1024,
        unit: 'MiB',
        baseline: bare.privateKiB / 1024,
        digits: 1,
      },
    ];
  } finally {
    await echo.dispose();
  }
}

export const sandboxSection: BenchSection = {
  title: 'Sandbox (echo plugin confined by every layer this host has, against the sandbox off)',
  baseline: 'the same plugin with PLUGBOARD_SERVER_SANDBOX=off',
  run: benchSandbox,
};
