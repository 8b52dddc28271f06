// `npm run bench:profile -- platform`: where the platform's CPU goes under the whole-system load
// (bench/system-load.bench.ts: 8 runs in flight of a workflow with three plugin nodes, the
// platform with its embedded worker, the Plugin Server and the plugin each their own process). The
// platform runs with --cpu-prof; only the samples of the load's measured window are summarised.
// Writes the whole profile to bench/results/platform-<database>-<time>.cpuprofile.
import { copyFile, mkdir, mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import type { Profiler } from 'node:inspector/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { monotonicUs, summarise } from './profile-summary.ts';
import { DURATION_MS, load, startLoadedSystem, WARM_UP_MS } from './system-load.bench.ts';

export async function profilePlatform(kind: 'PGlite' | 'PostgreSQL'): Promise<void> {
  const dir = await mkdtemp(join(tmpdir(), 'plugboard-profile-platform-'));
  try {
    const loaded = await startLoadedSystem(kind, {
      platformNodeArgs: ['--cpu-prof', `--cpu-prof-dir=${dir}`],
    });
    let result;
    const began = monotonicUs();
    try {
      result = await load(loaded.system, loaded.workflows.plugin);
    } finally {
      // The profile is written as the platform exits.
      await loaded.close();
    }
    const window = {
      fromUs: began + WARM_UP_MS * 1000,
      toUs: began + (WARM_UP_MS + DURATION_MS) * 1000,
    };
    const [name] = (await readdir(dir)).filter((f) => f.endsWith('.cpuprofile'));
    if (name === undefined) {
      throw new Error('the platform wrote no profile (did it exit cleanly?)');
    }
    const profile = JSON.parse(await readFile(join(dir, name), 'utf8')) as Profiler.Profile;
    process.stdout.write(
      `Platform (${kind}), 3 plugin nodes per run: ${result.runsPerSecond.toFixed(1)} runs/s, platform CPU ${result.cpuPerRun.platform.toFixed(2)} ms per run\n${summarise(profile, window)}\n`,
    );
    const folder = new URL('results/', import.meta.url);
    await mkdir(folder, { recursive: true });
    const file = new URL(
      `platform-${kind}-${new Date().toISOString().replaceAll(':', '-')}.cpuprofile`,
      folder,
    );
    await copyFile(join(dir, name), file);
    process.stdout.write(`profile: ${file.pathname}\n`);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
