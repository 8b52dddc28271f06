// ARCHITECTURE §5, restart: a real Plugin Server with 50 copies of the echo plugin installed (ids
// bench-1..bench-50, real processes) is closed (close() stops the plugins and keeps the files),
// then a new server is created on the same data folder and timed from createPluginServer until
// all 50 are `running` again, as after a deploy or a host reboot. Baseline: the same with ONE
// plugin installed, i.e. what starting a single plugin this way costs.
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';
import { createPluginServer, loadServerConfig, type PluginServer } from '@plugboard/plugin-server';
import { API_KEY } from './bench-server.ts';
import { ownCpuMs, processCpuMs } from './cpu-time.ts';
import { percentile } from './measure.ts';
import { copiesWithIds } from './plugin-copies.ts';
import { CLI, echoPluginCopy } from './plugin-fixture.ts';
import type { BenchRow, BenchSection } from './report.ts';
import { untilRunning } from './until-running.ts';

const PLUGINS = 50;
const TARGET_MS = 4_000;
/** Restarts timed per data folder; the median is reported (each costs ~PLUGINS process starts). */
const RESTARTS = 3;
/** Only the set-up installs use it; boot caps its starts itself (the plugin manager's gate). */
const PARALLEL_INSTALLS = 8;
const LIMIT_MS = 60_000;

interface Restart {
  /** createPluginServer → every plugin `running`. */
  readonly ms: number;
  /** createPluginServer → listen() resolved (API up; plugins still starting). */
  readonly listenMs: number;
  /** createPluginServer → the first plugin `running`. */
  readonly firstMs: number;
  /** CPU the bench process (the embedded server) used until all were `running`. */
  readonly serverCpuMs: number;
  /** CPU the plugin processes used from their spawn until all were `running`. */
  readonly pluginsCpuMs: number;
}

function serverOn(dataDir: string): Promise<PluginServer> {
  const config = loadServerConfig(
    {},
    {
      apiKeys: [API_KEY],
      host: '127.0.0.1',
      port: 0,
      dataDir,
      devMode: true,
      logLevel: 'silent',
      limits: { parallelInstalls: PARALLEL_INSTALLS },
    },
  );
  return createPluginServer({ config, serveBin: CLI, hostEnv: process.env });
}

/** Installs `folders` in a first server on `dataDir`, waits for all `running`, closes it. */
async function installAll(dataDir: string, folders: ReadonlyMap<string, string>): Promise<void> {
  const server = await serverOn(dataDir);
  try {
    await server.listen();
    for (const [id, path] of folders) {
      server.manager.install(id, { source: { type: 'local', path } });
    }
    await untilRunning(server.manager, folders.size, LIMIT_MS);
  } finally {
    await server.close();
  }
}

async function timedRestart(dataDir: string, count: number): Promise<Restart> {
  const began = performance.now();
  const cpu = process.cpuUsage();
  const server = await serverOn(dataDir);
  try {
    let firstMs = Number.NaN;
    server.manager.on('status', ({ status }) => {
      if (status === 'running' && Number.isNaN(firstMs)) {
        firstMs = performance.now() - began;
      }
    });
    await server.listen();
    const listenMs = performance.now() - began;
    await untilRunning(server.manager, count, LIMIT_MS);
    const ms = performance.now() - began;
    const serverCpuMs = ownCpuMs(cpu);
    const pids = server.manager.list().map((p) => p.running?.process.pid ?? 0);
    const pluginsCpu = await Promise.all(pids.map((pid) => processCpuMs(pid)));
    const pluginsCpuMs = pluginsCpu.reduce((sum, one) => sum + one, 0);
    return { ms, listenMs, firstMs, serverCpuMs, pluginsCpuMs };
  } finally {
    await server.close();
  }
}

async function measure(dataDir: string, folders: ReadonlyMap<string, string>): Promise<Restart[]> {
  await installAll(dataDir, folders);
  const restarts: Restart[] = [];
  for (let i = 0; i < RESTARTS; i++) {
    restarts.push(await timedRestart(dataDir, folders.size));
  }
  return restarts;
}

const median = (restarts: readonly Restart[], key: keyof Restart): number =>
  percentile(
    restarts.map((r) => r[key]),
    50,
  );

const cpuS = (restarts: readonly Restart[], key: 'pluginsCpuMs' | 'serverCpuMs'): string =>
  (median(restarts, key) / 1000).toFixed(2);

export async function benchRestart(): Promise<BenchRow[]> {
  const root = await mkdtemp(join(tmpdir(), 'plugboard-bench-restart-'));
  const echo = await echoPluginCopy();
  try {
    const ids = Array.from({ length: PLUGINS }, (_, i) => `bench-${String(i + 1)}`);
    await mkdir(join(root, 'sources'));
    const folders = await copiesWithIds(echo.dir, join(root, 'sources'), ids);
    const [firstId = '', firstFolder = ''] = [...folders][0] ?? [];
    const one = await measure(join(root, 'data-one'), new Map([[firstId, firstFolder]]));
    const all = await measure(join(root, 'data-all'), folders);
    const value = median(all, 'ms');
    return [
      {
        name: `restart with ${String(PLUGINS)} plugins installed → all running, median of ${String(RESTARTS)}`,
        value,
        unit: 'ms',
        baseline: median(one, 'ms'),
        digits: 0,
        target: `< ${String(TARGET_MS)} ms`,
        pass: value < TARGET_MS,
        extra: `each: ${all.map((r) => r.ms.toFixed(0)).join(', ')} ms; API up (listen resolved) after ${median(all, 'listenMs').toFixed(0)} ms, first plugin running after ${median(all, 'firstMs').toFixed(0)} ms; ${(value / PLUGINS).toFixed(0)} ms per plugin vs ${median(one, 'ms').toFixed(0)} ms for one alone; CPU until all running: plugin processes ${cpuS(all, 'pluginsCpuMs')} s, the server (bench process) ${cpuS(all, 'serverCpuMs')} s, on ${String(availableParallelism())} cores (one alone: ${cpuS(one, 'pluginsCpuMs')} s + ${cpuS(one, 'serverCpuMs')} s)`,
      },
    ];
  } finally {
    await echo.dispose();
    await rm(root, { recursive: true, force: true });
  }
}

export const restartSection: BenchSection = {
  title: `Plugin Server restart (${String(PLUGINS)} echo plugins, real processes, new server on the same data folder)`,
  baseline: 'the same restart with one plugin installed',
  run: benchRestart,
};
