// ARCHITECTURE §5, install to `running`: the echo plugin with 50 dependencies installed from a
// local folder by a real Plugin Server whose only installer is bun, pnpm or npm, timed from
// POST /plugins/:id/install until GET /plugins/:id says `running` (polled every 20 ms).
// Cold: a fresh data folder, so the installer's cache is empty. Warm: the same plugin installed
// again (after an uninstall) on the same server, so the cache is full but node_modules is not.
//
// fixtures/fifty-dependencies.json: 50 small, common packages at exact versions, chosen so the
// whole tree is those 50 (the few that depend on others depend on packages in the list, at
// versions that satisfy them) and none has an install script. No lockfile: each installer
// resolves the same pinned tree its own way.
import { execFile } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { startBenchServer, type BenchServer } from './bench-server.ts';
import { percentile } from './measure.ts';
import { ECHO_PLUGIN_ID, echoPluginCopy } from './plugin-fixture.ts';
import type { BenchRow, BenchSection } from './report.ts';

const INSTALLERS = ['bun', 'pnpm', 'npm'] as const;
type InstallerName = (typeof INSTALLERS)[number];
/** Warm installs are repeated and the median kept; a cold one costs the registry a full fetch. */
const WARM_RUNS = 3;
const WARM_TARGET_MS = 1_500;
const COLD_TARGET_MS = 6_000;

interface Timing {
  /** POST install → `running`. */
  readonly ms: number;
  /** The installer's own share, as the plugin log reports it. */
  readonly installerMs: number | undefined;
}

interface InstallerResult {
  readonly cold: Timing;
  readonly warm: readonly Timing[];
}

async function dependencies(): Promise<Record<string, string>> {
  const text = await readFile(new URL('fixtures/fifty-dependencies.json', import.meta.url), 'utf8');
  return (JSON.parse(text) as { dependencies: Record<string, string> }).dependencies;
}

/** pnpm is not one of the project's dependencies: it is used when the machine has it on PATH. */
function pnpmVersion(): Promise<string | undefined> {
  return new Promise((resolve) => {
    execFile('pnpm', ['--version'], { timeout: 10_000 }, (error, stdout) => {
      resolve(error === null ? stdout.trim() : undefined);
    });
  });
}

async function timedInstall(
  server: BenchServer,
  dir: string,
  installer: InstallerName,
): Promise<Timing> {
  const { ms } = await server.installFolder(ECHO_PLUGIN_ID, dir);
  const log = await server.log(ECHO_PLUGIN_ID);
  // The server notes `dependencies: installed with <installer> in <n> ms` once per install.
  const noted = [...log.matchAll(/installed with (\w+) in (\d+) ms/g)].at(-1);
  if (noted?.[1] !== installer) {
    throw new Error(`the server installed with ${noted?.[1] ?? 'nothing'}, not ${installer}`);
  }
  return { ms, installerMs: Number(noted[2]) };
}

async function measure(installer: InstallerName, dir: string): Promise<InstallerResult> {
  // A server of its own per installer: a fresh data folder is a fresh (cold) cache.
  const server = await startBenchServer({
    logLevel: 'silent',
    install: { installers: [installer] },
  });
  try {
    const cold = await timedInstall(server, dir, installer);
    const warm: Timing[] = [];
    for (let i = 0; i < WARM_RUNS; i++) {
      await server.uninstall(ECHO_PLUGIN_ID);
      warm.push(await timedInstall(server, dir, installer));
    }
    return { cold, warm };
  } finally {
    await server.close();
  }
}

const median = (timings: readonly Timing[], key: keyof Timing): number =>
  percentile(
    timings.map((t) => t[key] ?? Number.NaN),
    50,
  );

function rowsFor(
  installer: InstallerName,
  result: InstallerResult | string,
  npm: InstallerResult | string,
): BenchRow[] {
  const kinds = [
    { kind: 'warm', target: WARM_TARGET_MS },
    { kind: 'cold', target: COLD_TARGET_MS },
  ] as const;
  return kinds.map(({ kind, target }) => {
    const name = `${installer}, ${kind} cache: install → running`;
    if (typeof result === 'string') {
      return { name, value: Number.NaN, unit: 'ms', baseline: Number.NaN, skipped: result };
    }
    const value = kind === 'warm' ? median(result.warm, 'ms') : result.cold.ms;
    const own = kind === 'warm' ? median(result.warm, 'installerMs') : result.cold.installerMs;
    const runs =
      kind === 'warm'
        ? `; median of ${String(WARM_RUNS)}: ${result.warm.map((t) => t.ms.toFixed(0)).join(', ')} ms`
        : '';
    const baseline =
      typeof npm === 'string' ? Number.NaN : kind === 'warm' ? median(npm.warm, 'ms') : npm.cold.ms;
    return {
      name,
      value,
      unit: 'ms',
      baseline,
      digits: 0,
      // The targets are bun's; pnpm and npm are there to compare with.
      ...(installer === 'bun' ? { target: `< ${String(target)} ms`, pass: value < target } : {}),
      extra: `${installer} itself: ${own?.toFixed(0) ?? '?'} ms (the rest: copy, checks, start, handshake)${runs}`,
    };
  });
}

export async function benchInstall(): Promise<BenchRow[]> {
  const plugin = await echoPluginCopy(await dependencies());
  try {
    const results: Partial<Record<InstallerName, InstallerResult | string>> = {};
    for (const installer of INSTALLERS) {
      if (installer === 'pnpm' && (await pnpmVersion()) === undefined) {
        results.pnpm =
          'pnpm not found on PATH (it is not a project dependency); put a pnpm 11 bin folder on PATH to include it';
        continue;
      }
      try {
        results[installer] = await measure(installer, plugin.dir);
      } catch (error) {
        // No registry (offline) or no bun for this platform: the other installers still count.
        results[installer] =
          `could not be measured: ${(error as Error).message.split('\n')[0] ?? ''}`;
      }
    }
    const npm = results.npm ?? 'not measured';
    return INSTALLERS.filter((name) => name !== 'npm')
      .flatMap((name) => rowsFor(name, results[name] ?? 'not measured', npm))
      .concat(typeof npm === 'string' ? rowsFor('npm', npm, npm) : []);
  } finally {
    await plugin.dispose();
  }
}

export const installSection: BenchSection = {
  title: `Install to running (${ECHO_PLUGIN_ID} + 50 dependencies, local folder, one installer per server)`,
  baseline: 'npm through the same Plugin Server',
  run: benchInstall,
};
