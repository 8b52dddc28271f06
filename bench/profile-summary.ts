// What a V8 CPU profile says, in text: self time by origin (our packages, each dependency, Node's
// internals, V8) and the functions with the most self time; optionally only the samples of a
// window (the load's), when the profile also holds the process's start.
import type { Profiler } from 'node:inspector/promises';

const TOP = 25;

/** Which package or layer a profiled function belongs to, by its script URL. */
function originOf(url: string): string {
  if (url === '') {
    return '(V8: GC, idle, natives)';
  }
  if (url.startsWith('node:')) {
    return 'node: internals';
  }
  const inModules = /node_modules\/((?:@[^/]+\/)?[^/]+)\//.exec(url);
  if (inModules?.[1] !== undefined) {
    return inModules[1];
  }
  const ours = /packages\/([^/]+)\/src\//.exec(url);
  return ours?.[1] === undefined ? url : `@plugboard/${ours[1]}`;
}

/** A window of the monotonic clock the profiler stamps samples with, in µs. */
export interface ProfileWindow {
  readonly fromUs: number;
  readonly toUs: number;
}

/** Now on the profiler's clock (CLOCK_MONOTONIC on Linux, as V8's own ticks), in µs. */
export function monotonicUs(): number {
  return Number(process.hrtime.bigint() / 1000n);
}

export function summarise(profile: Profiler.Profile, window?: ProfileWindow): string {
  const hitsById = new Map<number, number>();
  const samples = profile.samples ?? [];
  const deltas = profile.timeDeltas ?? [];
  let at = profile.startTime;
  let total = 0;
  samples.forEach((id, i) => {
    at += deltas[i] ?? 0;
    if (window === undefined || (at >= window.fromUs && at <= window.toUs)) {
      hitsById.set(id, (hitsById.get(id) ?? 0) + 1);
      total += 1;
    }
  });
  const byFunction = new Map<string, number>();
  const byOrigin = new Map<string, number>();
  for (const node of profile.nodes) {
    const hits = hitsById.get(node.id) ?? 0;
    if (hits === 0) {
      continue;
    }
    const { functionName, url, lineNumber } = node.callFrame;
    const file = url.replace(/^.*\/(node_modules|packages)\//, '');
    const name = `${functionName || '(anonymous)'}  ${file}:${String(lineNumber + 1)}`;
    byFunction.set(name, (byFunction.get(name) ?? 0) + hits);
    const origin = originOf(url);
    byOrigin.set(origin, (byOrigin.get(origin) ?? 0) + hits);
  }
  const share = (hits: number) => `${((100 * hits) / total).toFixed(1).padStart(5)} %`;
  const sorted = (map: Map<string, number>) => [...map].sort((a, b) => b[1] - a[1]);
  return [
    `self time by origin (${String(total)} samples):`,
    ...sorted(byOrigin).map(([origin, hits]) => `  ${share(hits)}  ${origin}`),
    `top ${String(TOP)} functions by self time:`,
    ...sorted(byFunction)
      .slice(0, TOP)
      .map(([name, hits]) => `  ${share(hits)}  ${name}`),
  ].join('\n');
}
