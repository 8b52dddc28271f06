// Issue 2 targets: spawn-to-handshake and idle private memory of a plugin process started by
// `plugboard plugin serve`, against a bare Node HTTP server started the same way in the same run.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { percentile, rssAnonKb, sleep, startUntilHandshake, stop } from './measure.ts';
import type { BenchRow } from './report.ts';

const STARTS = 25;
/** V8 adds the functions each start compiles to the code cache, so it takes a few starts to settle. */
const WARM_UP_STARTS = 5;
const MEMORY_SAMPLES = 5;
/** Long enough for start-up garbage to be collected, as it would be for an idle plugin. */
const IDLE_MS = 1_000;

const CLI = fileURLToPath(new URL('../packages/cli/bin/plugboard.js', import.meta.url));
const PLUGIN = fileURLToPath(new URL('../examples/hello-world', import.meta.url));
const BARE = fileURLToPath(new URL('fixtures/bare-server.js', import.meta.url));

export async function benchPluginProcess(): Promise<BenchRow[]> {
  const cache = await mkdtemp(join(tmpdir(), 'plugboard-bench-cache-'));
  // Both get the same environment; the compile cache is what a Plugin Server gives every plugin.
  const env = {
    PATH: process.env['PATH'] ?? '',
    PLUGBOARD_PLUGIN_TOKEN: 'bench-token-0123456789',
    NODE_COMPILE_CACHE: cache,
  };
  const subjects = {
    // With the flag the Plugin Server gives every plugin: without it the bin starts Node again to add it.
    plugin: ['--disable-sigusr1', CLI, 'plugin', 'serve', PLUGIN, '--port', '0'],
    baseline: [BARE],
  } as const;
  try {
    // Warm-up starts fill the compile cache, as the first starts after an install do.
    for (let i = 0; i < WARM_UP_STARTS; i++) {
      for (const args of Object.values(subjects)) {
        await stop((await startUntilHandshake(args, env)).child);
      }
    }
    const times: Record<keyof typeof subjects, number[]> = { plugin: [], baseline: [] };
    for (let i = 0; i < STARTS; i++) {
      // Interleaved so drift in machine load hits both alike.
      for (const name of ['plugin', 'baseline'] as const) {
        const started = await startUntilHandshake(subjects[name], env);
        times[name].push(started.msToHandshake);
        await stop(started.child);
      }
    }
    const memory: Record<keyof typeof subjects, number[]> = { plugin: [], baseline: [] };
    for (let i = 0; i < MEMORY_SAMPLES; i++) {
      for (const name of ['plugin', 'baseline'] as const) {
        const started = await startUntilHandshake(subjects[name], env);
        await sleep(IDLE_MS);
        memory[name].push((await rssAnonKb(started.child.pid ?? 0)) / 1024);
        await stop(started.child);
      }
    }
    const startP50 = percentile(times.plugin, 50);
    const baseStartP50 = percentile(times.baseline, 50);
    const mem = percentile(memory.plugin, 50);
    const baseMem = percentile(memory.baseline, 50);
    return [
      {
        name: `spawn → handshake, p50 of ${String(STARTS)}`,
        value: startP50,
        unit: 'ms',
        baseline: baseStartP50,
        target: 'plugin < 120 ms and ≤ 2× baseline',
        pass: startP50 < 120 && startP50 <= 2 * baseStartP50,
        extra: `p90 ${percentile(times.plugin, 90).toFixed(1)} ms vs ${percentile(times.baseline, 90).toFixed(1)} ms`,
      },
      {
        name: `idle private memory (RssAnon), median of ${String(MEMORY_SAMPLES)}`,
        value: mem,
        unit: 'MiB',
        baseline: baseMem,
        target: 'plugin ≤ 2× baseline',
        pass: mem <= 2 * baseMem,
      },
    ];
  } finally {
    await rm(cache, { recursive: true, force: true });
  }
}
