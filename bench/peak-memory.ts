// Peak memory growth of this process (which hosts the Plugin Server) or another while work runs:
// process.memoryUsage() sampled every 20 ms against the level just before the work, taken after a
// full collection so garbage left by earlier work neither hides nor inflates the growth.
import { writeFile } from 'node:fs/promises';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { statusKb } from './measure.ts';

const SAMPLE_MS = 20;
const MiB = 1024 * 1024;

// `npm run bench` starts node without --expose-gc; the flag set now makes a fresh context's `gc`
// available (V8 reads it when the context is created), for the collection before each baseline.
setFlagsFromString('--expose-gc');
const collect = runInNewContext('gc') as () => void;

export interface PeakGrowth<T> {
  readonly result: T;
  readonly rssMiB: number;
  /** Buffers and other memory outside the JS heap: where streamed chunks live. */
  readonly arrayBuffersMiB: number;
}

export async function withPeakGrowth<T>(work: () => Promise<T>): Promise<PeakGrowth<T>> {
  collect();
  const before = process.memoryUsage();
  let peakRss = before.rss;
  let peakArrayBuffers = before.arrayBuffers;
  const sample = (): void => {
    const now = process.memoryUsage();
    peakRss = Math.max(peakRss, now.rss);
    peakArrayBuffers = Math.max(peakArrayBuffers, now.arrayBuffers);
  };
  const sampler = setInterval(sample, SAMPLE_MS);
  try {
    const result = await work();
    sample();
    return {
      result,
      rssMiB: (peakRss - before.rss) / MiB,
      arrayBuffersMiB: (peakArrayBuffers - before.arrayBuffers) / MiB,
    };
  } finally {
    clearInterval(sampler);
  }
}

/**
 * Peak resident memory growth of another process (a plugin's) while some work runs: the kernel's
 * high-water mark (VmHWM), reset to the current level before the work by writing 5 to clear_refs.
 */
export async function withPeakGrowthOf<T>(
  pid: number,
  work: () => Promise<T>,
): Promise<{ result: T; rssMiB: number }> {
  await writeFile(`/proc/${String(pid)}/clear_refs`, '5');
  const before = await statusKb(pid, 'VmRSS');
  const result = await work();
  return { result, rssMiB: ((await statusKb(pid, 'VmHWM')) - before) / 1024 };
}
