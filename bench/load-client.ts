// Closed-loop load generator, run as its own process by load.ts: `clients` workers each send a
// request, wait for the whole answer, and send the next, over one kept-alive connection each.
// Requests run back to back for a warm-up (JIT, connection set-up), then for the measured window.
// Prints one JSON line (LoadResult) on stdout.
import { Pool } from 'undici';
import type { LoadResult, LoadSpec } from './load.ts';
import { percentile, sleep } from './measure.ts';

const spec = JSON.parse(process.argv[2] ?? '{}') as LoadSpec;
const pool = new Pool(spec.origin, {
  connections: spec.clients,
  pipelining: 1,
  keepAliveTimeout: 60_000,
});
const headers = { 'content-type': 'application/json', ...spec.headers };

let recording = false;
let stopping = false;
const latencies: number[] = [];
let errors = 0;
let firstError: string | undefined;

async function worker(): Promise<void> {
  while (!stopping) {
    const began = performance.now();
    try {
      const response = await pool.request({
        path: spec.path,
        method: 'POST',
        headers,
        body: spec.body,
      });
      const text = await response.body.text();
      // A fast refusal (503 overloaded, 401) must not count as throughput.
      if (response.statusCode !== 200 || !text.includes(spec.expect)) {
        errors += 1;
        firstError ??= `HTTP ${String(response.statusCode)}: ${text.slice(0, 200)}`;
      } else if (recording) {
        latencies.push(performance.now() - began);
      }
    } catch (error) {
      errors += 1;
      firstError ??= (error as Error).message;
    }
  }
}

const workers = Array.from({ length: spec.clients }, () => worker());
await sleep(spec.warmUpMs);
recording = true;
const windowStart = performance.now();
await sleep(spec.durationMs);
recording = false;
const windowMs = performance.now() - windowStart;
stopping = true;
await Promise.all(workers);
await pool.close();

const result: LoadResult = {
  requests: latencies.length,
  requestsPerSecond: (latencies.length * 1000) / windowMs,
  p50Ms: percentile(latencies, 50),
  p99Ms: percentile(latencies, 99),
  errors,
  ...(firstError === undefined ? {} : { firstError }),
};
process.stdout.write(`${JSON.stringify(result)}\n`);
