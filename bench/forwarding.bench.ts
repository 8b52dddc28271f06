// ARCHITECTURE §5, forwarding hop: `POST /plugins/<id>/nodes/echo/execute` of a trivial node
// through a real Plugin Server, against the same call sent straight to a plugin process of the
// same package (the baseline) and through nginx `proxy_pass` with upstream keep-alive to that
// process, measured in the same run by a closed-loop client (load.ts) at 1, 16 and 64 clients.
//
// The Plugin Server's own plugin process has a per-launch token the API never shows, so the
// direct and nginx paths go to a second process of the same package, started here with a token
// of our own and the limits the server gives its plugins.
import { pino } from 'pino';
import { loadServerConfig } from '@plugboard/plugin-server';
import { API_KEY, startBenchServer } from './bench-server.ts';
import {
  CLIENTS,
  forwardingRows,
  THROUGHPUT_CLIENTS,
  type PathName,
  type Results,
  type WrkComparison,
} from './forwarding-rows.ts';
import { runLoad, type LoadResult } from './load.ts';
import { startUntilHandshake, stop } from './measure.ts';
import { findNginx, findOnPath, startNginx } from './nginx.ts';
import { runWrk } from './wrk.ts';
import { CLI, ECHO_PLUGIN_ID, echoPluginCopy } from './plugin-fixture.ts';
import type { BenchRow, BenchSection } from './report.ts';

const WARM_UP_MS = 1_000;
const DURATION_MS = 3_000;
const TOKEN = 'bench-plugin-token-0123456789abcdef';
const BODY = JSON.stringify({ inputs: { text: 'hello' } });
const EXPECT = '"text":"hello"';
const NODE_PATH = '/nodes/echo/execute';

interface Target {
  readonly origin: string;
  readonly path: string;
  readonly headers: Record<string, string>;
}

const load = (target: Target, clients: number): Promise<LoadResult> =>
  runLoad({
    ...target,
    body: BODY,
    expect: EXPECT,
    clients,
    warmUpMs: WARM_UP_MS,
    durationMs: DURATION_MS,
  });

async function measureAll(targets: Partial<Record<PathName, Target>>): Promise<Results> {
  const results: Results = { direct: new Map(), nginx: new Map(), server: new Map() };
  for (const clients of CLIENTS) {
    // Every path runs at one concurrency before the next, so drift in machine load hits all.
    for (const name of ['direct', 'nginx', 'server'] as const) {
      const target = targets[name];
      if (target !== undefined) {
        results[name].set(clients, await load(target, clients));
      }
    }
  }
  return results;
}

/** The Plugin Server and nginx at THROUGHPUT_CLIENTS connections, the load from wrk. */
async function compareWithWrk(server: Target, nginx: Target | undefined): Promise<WrkComparison> {
  const wrk = await findOnPath('wrk');
  if (wrk === undefined || nginx === undefined) {
    return {
      skipped: `${wrk === undefined ? 'wrk' : 'nginx'} not found on PATH (Debian: apt-get install wrk nginx-light)`,
    };
  }
  const run = (target: Target) =>
    runWrk(wrk, {
      ...target,
      body: BODY,
      connections: THROUGHPUT_CLIENTS,
      durationS: DURATION_MS / 1000,
    });
  const nginxResult = await run(nginx);
  return { server: await run(server), nginx: nginxResult };
}

/** One request first, so a broken path fails loudly instead of measuring error answers. */
async function checkPath(name: string, target: Target): Promise<void> {
  const response = await fetch(`${target.origin}${target.path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...target.headers },
    body: BODY,
  });
  const text = await response.text();
  if (response.status !== 200 || !text.includes(EXPECT)) {
    throw new Error(`${name}: ${String(response.status)} ${text.slice(0, 300)}`);
  }
}

/** `plugboard plugin serve` of the same package, as the server runs it but with our token. */
async function startDirectPlugin(
  dir: string,
): Promise<{ port: number; stop: () => Promise<void> }> {
  const { limits } = loadServerConfig({}, { apiKeys: [API_KEY] });
  const started = await startUntilHandshake(
    ['--disable-sigusr1', CLI, 'plugin', 'serve', dir, '--port', '0'],
    {
      PATH: process.env['PATH'] ?? '',
      PLUGBOARD_PLUGIN_TOKEN: TOKEN,
      PLUGBOARD_MAX_CONCURRENCY: String(limits.connectionsPerPlugin),
      PLUGBOARD_DEFAULT_TIMEOUT_MS: String(limits.requestTimeoutMs),
      PLUGBOARD_MAX_BODY_BYTES: String(limits.maxBodyBytes),
    },
  );
  return { port: Number(started.handshake.split('|')[3]), stop: () => stop(started.child) };
}

export async function benchForwarding(): Promise<BenchRow[]> {
  const cleanups: (() => Promise<void>)[] = [];
  try {
    const plugin = await echoPluginCopy();
    cleanups.push(plugin.dispose);
    // The server logs as it does by default (info, which includes Fastify's two lines per
    // request), into /dev/null rather than the bench's output.
    const logger = pino({ level: 'info' }, pino.destination({ dest: '/dev/null', sync: false }));
    const server = await startBenchServer({ logLevel: 'info' }, logger);
    cleanups.push(server.close);
    await server.installFolder(ECHO_PLUGIN_ID, plugin.dir);
    const direct = await startDirectPlugin(plugin.dir);
    cleanups.push(direct.stop);

    const auth = { authorization: `Bearer ${TOKEN}` };
    const serverTarget: Target = {
      origin: server.url,
      path: `/plugins/${ECHO_PLUGIN_ID}${NODE_PATH}`,
      headers: { authorization: `Bearer ${API_KEY}` },
    };
    const targets: Partial<Record<PathName, Target>> = {
      direct: { origin: `http://127.0.0.1:${String(direct.port)}`, path: NODE_PATH, headers: auth },
      server: serverTarget,
    };
    const nginxBinary = await findNginx();
    if (nginxBinary !== undefined) {
      const nginx = await startNginx(nginxBinary, direct.port);
      cleanups.push(nginx.close);
      targets.nginx = {
        origin: `http://127.0.0.1:${String(nginx.port)}`,
        path: NODE_PATH,
        headers: auth,
      };
    }
    for (const [name, target] of Object.entries(targets)) {
      await checkPath(name, target);
    }
    const results = await measureAll(targets);
    const wrk = await compareWithWrk(serverTarget, targets.nginx);
    // Once more with the server's log silenced, to show what per-request logging costs.
    logger.level = 'silent';
    const quiet = await load(serverTarget, THROUGHPUT_CLIENTS);
    const nginxMissing =
      nginxBinary === undefined
        ? 'nginx not found on PATH, so nginx was not measured (Debian: apt-get install nginx-light)'
        : undefined;
    return forwardingRows(results, quiet, nginxMissing, wrk);
  } finally {
    for (const cleanup of cleanups.reverse()) {
      await cleanup();
    }
  }
}

export const forwardingSection: BenchSection = {
  title: `Forwarding hop (POST /plugins/${ECHO_PLUGIN_ID}/nodes/echo/execute, closed loop, ${String(WARM_UP_MS / 1000)} s warm-up + ${String(DURATION_MS / 1000)} s per run)`,
  baseline: 'the same call straight to a plugin process of the same package',
  run: benchForwarding,
};
