// Turns the forwarding measurements into rows: throughput per path and concurrency against the
// direct path, then the ARCHITECTURE §5 targets.
import type { LoadResult } from './load.ts';
import type { BenchRow } from './report.ts';
import type { WrkResult } from './wrk.ts';

export const CLIENTS = [1, 16, 64] as const;
/** ARCHITECTURE §5: the Plugin Server's throughput at this many clients is at least nginx's. */
export const THROUGHPUT_CLIENTS = 16;
/** The same target at high concurrency, where queueing in the proxy shows. */
const MANY_CLIENTS = 64;
/** ARCHITECTURE §5: at most this much p50 latency added by the hop at 1 client. */
const MAX_ADDED_P50_MS = 0.15;

export type PathName = 'direct' | 'nginx' | 'server';
export type Results = Record<PathName, Map<number, LoadResult>>;

const latency = (r: LoadResult | undefined): string =>
  r === undefined ? 'n/a' : `p50 ${r.p50Ms.toFixed(3)} / p99 ${r.p99Ms.toFixed(3)} ms`;

/** Failed requests make a row worthless, so they are shown and fail any target. */
const errorNote = (results: readonly (LoadResult | undefined)[]): string =>
  results
    .filter((r) => r !== undefined && r.errors > 0)
    .map((r) => `; ${String(r?.errors)} failed requests, first: ${r?.firstError ?? ''}`)
    .join('');

const clean = (results: readonly (LoadResult | undefined)[]): boolean =>
  results.every((r) => r !== undefined && r.errors === 0);

function throughputRows(results: Results): BenchRow[] {
  const out: BenchRow[] = [];
  for (const clients of CLIENTS) {
    const direct = results.direct.get(clients);
    for (const name of ['server', 'nginx'] as const) {
      const r = results[name].get(clients);
      if (r !== undefined) {
        out.push({
          name: `${name === 'server' ? 'Plugin Server' : 'nginx proxy_pass'}, ${String(clients)} client${clients === 1 ? '' : 's'}`,
          value: r.requestsPerSecond,
          unit: 'req/s',
          baseline: direct?.requestsPerSecond ?? Number.NaN,
          digits: 0,
          extra: `${latency(r)} vs direct ${latency(direct)}${errorNote([r, direct])}`,
        });
      }
    }
  }
  return out;
}

function versusNginxRow(
  results: Results,
  clients: number,
  nginxMissing: string | undefined,
): BenchRow {
  const name = `throughput at ${String(clients)} clients, Plugin Server vs nginx`;
  const server = results.server.get(clients);
  const nginx = results.nginx.get(clients);
  if (server === undefined || nginx === undefined) {
    const skipped = nginxMissing ?? 'not measured';
    return { name, value: Number.NaN, unit: 'req/s', baseline: Number.NaN, skipped };
  }
  return againstNginx(
    name,
    { server, nginx, clean: clean([server, nginx]) },
    `direct: ${results.direct.get(clients)?.requestsPerSecond.toFixed(0) ?? 'n/a'} req/s${errorNote([server, nginx])}`,
  );
}

/** The Plugin Server's throughput against nginx's, whose target is at least nginx's. */
function againstNginx(
  name: string,
  measured: {
    server: { requestsPerSecond: number };
    nginx: { requestsPerSecond: number };
    clean: boolean;
  },
  extra: string,
): BenchRow {
  const { server, nginx } = measured;
  return {
    name,
    value: server.requestsPerSecond,
    unit: 'req/s',
    baseline: nginx.requestsPerSecond,
    baselineLabel: 'nginx',
    digits: 0,
    target: "Plugin Server ≥ nginx's",
    pass: measured.clean && server.requestsPerSecond >= nginx.requestsPerSecond,
    extra,
  };
}

function addedLatencyRow(results: Results): BenchRow {
  const name = 'p50 latency at 1 client, Plugin Server';
  const server = results.server.get(1);
  const direct = results.direct.get(1);
  if (server === undefined || direct === undefined) {
    return { name, value: Number.NaN, unit: 'ms', baseline: Number.NaN, skipped: 'not measured' };
  }
  const added = server.p50Ms - direct.p50Ms;
  return {
    name,
    value: server.p50Ms,
    unit: 'ms',
    baseline: direct.p50Ms,
    digits: 3,
    target: `≤ direct + ${String(MAX_ADDED_P50_MS)} ms`,
    pass: clean([server, direct]) && added <= MAX_ADDED_P50_MS,
    extra: `the hop adds ${added.toFixed(3)} ms at p50; nginx ${latency(results.nginx.get(1))}${errorNote([server, direct])}`,
  };
}

/** The server measured again at THROUGHPUT_CLIENTS with its log silenced. */
function quietRow(quiet: LoadResult, direct: LoadResult | undefined): BenchRow {
  return {
    name: `Plugin Server with its log silenced, ${String(THROUGHPUT_CLIENTS)} clients`,
    value: quiet.requestsPerSecond,
    unit: 'req/s',
    baseline: direct?.requestsPerSecond ?? Number.NaN,
    digits: 0,
    extra: `${latency(quiet)} vs direct ${latency(direct)}; every other row logs at info, the default${errorNote([quiet])}`,
  };
}

/** The same comparison with the load from wrk instead of the bench's own client. */
function wrkRow(wrk: WrkComparison): BenchRow {
  const name = `throughput at ${String(THROUGHPUT_CLIENTS)} connections, load from wrk, Plugin Server vs nginx`;
  if ('skipped' in wrk) {
    return { name, value: Number.NaN, unit: 'req/s', baseline: Number.NaN, skipped: wrk.skipped };
  }
  const { server, nginx } = wrk;
  const errors = server.errors + nginx.errors;
  return againstNginx(
    name,
    { server, nginx, clean: errors === 0 },
    `p50 ${server.p50Ms.toFixed(3)} vs nginx ${nginx.p50Ms.toFixed(3)} ms${errors === 0 ? '' : `; ${String(errors)} failed requests`}`,
  );
}

export type WrkComparison = { server: WrkResult; nginx: WrkResult } | { skipped: string };

export function forwardingRows(
  results: Results,
  quiet: LoadResult,
  nginxMissing: string | undefined,
  wrk: WrkComparison,
): BenchRow[] {
  return [
    ...throughputRows(results),
    quietRow(quiet, results.direct.get(THROUGHPUT_CLIENTS)),
    versusNginxRow(results, THROUGHPUT_CLIENTS, nginxMissing),
    wrkRow(wrk),
    versusNginxRow(results, MANY_CLIENTS, nginxMissing),
    addedLatencyRow(results),
  ];
}
