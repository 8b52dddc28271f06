// ARCHITECTURE §5, reconcile with nothing to do: 1 000 plugins installed and `running` in a real
// PluginManager, and Reconciler.reconcile() timed over the matching desired list (same ids,
// versions, sources and configs), which must answer `none` for every plugin. The plugins run on
// a bench-only engine (fake-engine.ts): 1 000 real processes would not fit a 2-core box, and a
// reconcile with nothing to do never touches a process anyway, only the manager's state.
// Baseline: the same call on an empty manager with an empty desired list (the fixed cost).
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  desiredStateSchema,
  loadServerConfig,
  type DesiredPlugin,
  type ReconcileReport,
} from '@plugboard/plugin-server';
import { API_KEY } from './bench-server.ts';
import { startFakeEngine } from './fake-engine.ts';
import { percentile } from './measure.ts';
import { copiesWithIds } from './plugin-copies.ts';
import { echoPluginCopy } from './plugin-fixture.ts';
import type { BenchRow, BenchSection } from './report.ts';
import { untilRunning } from './until-running.ts';
import { PluginManager, Reconciler } from '@plugboard/plugin-server';

const PLUGINS = 1_000;
const PASSES = 20;
/** The first passes also compile the reconciler's code; they are not what a running server pays. */
const WARM_UP_PASSES = 3;
const TARGET_MS = 100;
/** The config limit's maximum: the bench's installs are cheap, so the cap is what would slow them. */
const PARALLEL_INSTALLS = 64;
const INSTALL_LIMIT_MS = 60_000;
/** Every plugin has a configuration, so each pass also compares 1 000 configs (canonical JSON). */
const CONFIG = { greeting: 'hello', retries: 3, endpoints: { primary: 'https://example.test' } };

/** Pass times after the warm-up, and how many actions in all passes were something but `none`. */
function timePasses(
  reconciler: Reconciler,
  desired: readonly DesiredPlugin[],
): { times: number[]; acted: number } {
  const times: number[] = [];
  let acted = 0;
  for (let i = 0; i < WARM_UP_PASSES + PASSES; i++) {
    const began = performance.now();
    const report = reconciler.reconcile(desired);
    if (i >= WARM_UP_PASSES) {
      times.push(performance.now() - began);
    }
    acted += report.actions.filter((a) => a.action !== 'none').length;
  }
  return { times, acted };
}

function actionCounts(report: ReconcileReport): string {
  const counts = new Map<string, number>();
  for (const { action } of report.actions) {
    counts.set(action, (counts.get(action) ?? 0) + 1);
  }
  return [...counts].map(([action, n]) => `${String(n)} × ${action}`).join(', ');
}

export async function benchReconcile(): Promise<BenchRow[]> {
  const root = await mkdtemp(join(tmpdir(), 'plugboard-bench-reconcile-'));
  const cleanups: (() => Promise<void>)[] = [() => rm(root, { recursive: true, force: true })];
  try {
    const echo = await echoPluginCopy();
    cleanups.push(echo.dispose);
    const ids = Array.from({ length: PLUGINS }, (_, i) => `bench-${String(i + 1)}`);
    await mkdir(join(root, 'sources'));
    const folders = await copiesWithIds(echo.dir, join(root, 'sources'), ids);
    const dataDir = join(root, 'data');
    const fake = await startFakeEngine(join(dataDir, 'plugins'));
    cleanups.push(fake.close);
    const config = loadServerConfig(
      {},
      {
        apiKeys: [API_KEY],
        dataDir,
        devMode: true,
        logLevel: 'silent',
        limits: { parallelInstalls: PARALLEL_INSTALLS },
      },
    );
    const manager = new PluginManager({ config, engine: fake.engine });
    cleanups.push(() => manager.shutdown());
    await manager.boot();

    const installBegan = performance.now();
    const desired: DesiredPlugin[] = [];
    for (const [id, path] of folders) {
      const source = { type: 'local', path } as const;
      manager.install(id, { version: '1.0.0', source, config: CONFIG });
      desired.push({ id, version: '1.0.0', source, config: CONFIG, status: 'running' });
    }
    await untilRunning(manager, PLUGINS, INSTALL_LIMIT_MS);
    const installMs = performance.now() - installBegan;

    const reconciler = new Reconciler(manager);
    const report = reconciler.reconcile(desired);
    const { times, acted } = timePasses(reconciler, desired);
    const allNone = report.actions.length === PLUGINS && acted === 0;
    const empty = timePasses(
      new Reconciler(new PluginManager({ config, engine: fake.engine })),
      [],
    ).times;
    // What a pull (or POST /reconcile) pays before the reconcile: validating the platform's list.
    const body = JSON.parse(JSON.stringify({ plugins: desired })) as unknown;
    const parses = Array.from({ length: 5 }, () => {
      const began = performance.now();
      desiredStateSchema.parse(body);
      return performance.now() - began;
    });

    const p50 = percentile(times, 50);
    const max = Math.max(...times);
    return [
      {
        name: `reconcile of ${String(PLUGINS)} desired plugins, all running, nothing to do: p50 of ${String(PASSES)}`,
        value: p50,
        unit: 'ms',
        baseline: percentile(empty, 50),
        digits: 4,
        target: `< ${String(TARGET_MS)} ms (p50 and max), every action none`,
        pass: allNone && p50 < TARGET_MS && max < TARGET_MS,
        extra: `the target is absolute (the baseline is a call's fixed cost); max ${max.toFixed(3)} ms; actions in the first pass: ${actionCounts(report)}, in the ${String(WARM_UP_PASSES + PASSES)} after it: ${String(acted)} other than none; ${((p50 * 1000) / PLUGINS).toFixed(2)} µs per plugin; set-up: ${String(PLUGINS)} installs through the manager on the bench engine (${String(PARALLEL_INSTALLS)} at a time) took ${(installMs / 1000).toFixed(1)} s`,
      },
      {
        name: `validating the same ${String(PLUGINS)}-entry desired state (desiredStateSchema), as each pull and POST /reconcile do first: p50 of ${String(parses.length)}`,
        value: percentile(parses, 50),
        unit: 'ms',
        baseline: p50,
        baselineLabel: 'the reconcile itself',
        digits: 3,
      },
    ];
  } finally {
    for (const cleanup of cleanups.reverse()) {
      await cleanup();
    }
  }
}

export const reconcileSection: BenchSection = {
  title: `Reconcile with nothing to do (${String(PLUGINS)} plugins running in a real PluginManager on a bench-only engine, Reconciler.reconcile timed in-process)`,
  baseline: 'the same call with an empty desired list on an empty manager',
  run: benchReconcile,
};
