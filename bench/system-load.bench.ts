// The whole system under load: runs per second of a 5-node workflow with 3 plugin nodes (input →
// greet → greet → greet → output) through `plugboard platform` (API and embedded worker) and
// `plugboard server` with the example plugin, each its own process, as `npm start` runs them;
// beside the same workflow on built-in nodes. On the embedded PGlite and on PostgreSQL. This
// process only starts runs and waits on their event streams, 8 at a time; the CPU each process
// used is read from /proc, per run.
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createPostgresDatabase } from '../packages/platform/test/helpers/test-platform.ts';
import { startSystem, type RunningSystem } from '../test/e2e/helpers/system.ts';
import { processCpuMs } from './cpu-time.ts';
import { sleep } from './measure.ts';
import type { BenchRow, BenchSection } from './report.ts';

const IN_FLIGHT = 8;
export const WARM_UP_MS = 2_000;
export const DURATION_MS = 8_000;
const EXAMPLE = fileURLToPath(new URL('../examples/hello-world', import.meta.url));

function workflow(type: string, config: Record<string, unknown>, input: string, output: string) {
  const steps = ['a', 'b', 'c'];
  return {
    nodes: [
      { id: 'name', type: 'core/input', config: { name: 'name', type: 'string' } },
      ...steps.map((id) => ({ id, type, config })),
      { id: 'out', type: 'core/output', config: { name: 'result' } },
    ],
    edges: [
      { from: { node: 'name', output: 'value' }, to: { node: 'a', input } },
      { from: { node: 'a', output }, to: { node: 'b', input } },
      { from: { node: 'b', output }, to: { node: 'c', input } },
      { from: { node: 'c', output }, to: { node: 'out', input: 'value' } },
    ],
  };
}

/** Busy CPU time of the whole machine so far, in ms (all cores), from /proc/stat. */
async function machineCpuMs(): Promise<number> {
  const line = (await readFile('/proc/stat', 'utf8')).split('\n')[0] ?? '';
  const [, user, nice, system, , , irq, softirq, steal] = line.trim().split(/\s+/).map(Number);
  return (
    ((user ?? 0) + (nice ?? 0) + (system ?? 0) + (irq ?? 0) + (softirq ?? 0) + (steal ?? 0)) * 10
  );
}

export interface Load {
  readonly runsPerSecond: number;
  /** CPU ms per run: the platform's process, the Plugin Server's, and everything else. */
  readonly cpuPerRun: { platform: number; server: number; rest: number };
  readonly failed: number;
}

export async function load(system: RunningSystem, workflowId: string): Promise<Load> {
  let done = 0;
  let failed = 0;
  let counting = false;
  const until = Date.now() + WARM_UP_MS + DURATION_MS;
  const one = async (): Promise<void> => {
    const started = await system.json<{ id: string }>(`/api/workflows/${workflowId}/runs`, {
      body: { inputs: { name: 'load' } },
    });
    if (started.status !== 202) {
      failed += 1;
      return;
    }
    await (await system.api(`/api/runs/${started.body.id}/events`)).text();
    const run = await system.json<{ status: string }>(`/api/runs/${started.body.id}`);
    if (run.body.status !== 'succeeded') {
      failed += 1;
    } else if (counting) {
      done += 1;
    }
  };
  const loops = Array.from({ length: IN_FLIGHT }, async () => {
    while (Date.now() < until) {
      await one();
    }
  });
  await sleep(WARM_UP_MS);
  const { platform, server } = system.pids();
  const before = {
    platform: await processCpuMs(platform ?? 0),
    server: await processCpuMs(server ?? 0),
    machine: await machineCpuMs(),
  };
  const began = performance.now();
  counting = true;
  await sleep(DURATION_MS);
  counting = false;
  const seconds = (performance.now() - began) / 1000;
  const after = {
    platform: await processCpuMs(platform ?? 0),
    server: await processCpuMs(server ?? 0),
    machine: await machineCpuMs(),
  };
  await Promise.all(loops);
  const per = (ms: number) => (done === 0 ? Number.NaN : ms / done);
  const platformMs = after.platform - before.platform;
  const serverMs = after.server - before.server;
  return {
    runsPerSecond: done / seconds,
    cpuPerRun: {
      platform: per(platformMs),
      server: per(serverMs),
      rest: per(after.machine - before.machine - platformMs - serverMs),
    },
    failed,
  };
}

export interface LoadedSystem {
  readonly system: RunningSystem;
  /** The workflow with three plugin nodes, and the same on built-in nodes. */
  readonly workflows: { readonly plugin: string; readonly builtin: string };
  readonly close: () => Promise<void>;
}

/** The whole system started on `kind`, the example plugin running and both workflows created. */
export async function startLoadedSystem(
  kind: 'PGlite' | 'PostgreSQL',
  options: { platformNodeArgs?: readonly string[] } = {},
): Promise<LoadedSystem> {
  const dataDir = await mkdtemp(join(tmpdir(), 'plugboard-bench-system-'));
  const database = kind === 'PostgreSQL' ? await createPostgresDatabase() : undefined;
  const system = await startSystem({ dataDir, databaseUrl: database?.url, ...options });
  const close = async (): Promise<void> => {
    await system.stop();
    await database?.drop();
    await rm(dataDir, { recursive: true, force: true });
  };
  try {
    const installed = await system.json('/api/plugins', {
      body: { id: 'hello-world', source: { type: 'local', path: EXAMPLE } },
    });
    if (installed.status !== 202) {
      throw new Error(`install: ${JSON.stringify(installed.body)}`);
    }
    for (let i = 0; ; i += 1) {
      const { body } = await system.json<{ status: string }>('/api/plugins/hello-world');
      if (body.status === 'running') {
        break;
      }
      if (body.status === 'error' || i > 600) {
        throw new Error(`the example plugin did not start (${body.status})`);
      }
      await sleep(50);
    }
    const create = async (name: string, graph: unknown) =>
      (await system.json<{ id: string }>('/api/workflows', { body: { name, graph } })).body.id;
    const workflows = {
      plugin: await create(
        'three plugin nodes',
        workflow('hello-world/greet', {}, 'name', 'greeting'),
      ),
      builtin: await create(
        'three built-in nodes',
        workflow('core/template', { template: 'Hello, {{name}}.' }, 'name', 'text'),
      ),
    };
    return { system, workflows, close };
  } catch (error) {
    await close();
    throw error;
  }
}

async function measure(kind: 'PGlite' | 'PostgreSQL'): Promise<BenchRow> {
  const { system, workflows, close } = await startLoadedSystem(kind);
  try {
    const remote = await load(system, workflows.plugin);
    const local = await load(system, workflows.builtin);
    const cpu = (l: Load) =>
      `platform ${l.cpuPerRun.platform.toFixed(2)}, Plugin Server ${l.cpuPerRun.server.toFixed(2)}, the rest (plugin, this driver) ${l.cpuPerRun.rest.toFixed(2)}`;
    return {
      name: `runs/s of a 5-node workflow with 3 plugin nodes, ${kind}, ${String(IN_FLIGHT)} in flight`,
      value: remote.runsPerSecond,
      unit: 'runs/s',
      baseline: local.runsPerSecond,
      baselineLabel: 'the same workflow on built-in nodes',
      digits: 0,
      extra: `CPU ms per run: ${cpu(remote)}; built-in: ${cpu(local)}${remote.failed + local.failed === 0 ? '' : `; ${String(remote.failed + local.failed)} runs failed`}`,
    };
  } finally {
    await close();
  }
}

export const systemLoadSection: BenchSection = {
  title: `Whole system (platform + embedded worker + Plugin Server + plugin, each its own process; ${String(WARM_UP_MS / 1000)} s warm-up + ${String(DURATION_MS / 1000)} s per row)`,
  baseline: 'the same workflow on built-in nodes',
  run: async () => [await measure('PGlite'), await measure('PostgreSQL')],
};
