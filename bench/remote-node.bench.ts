// Issue 5: what a workflow node costs when it runs in a plugin rather than in the platform. The
// platform (embedded PGlite, embedded worker) in this process, a Plugin Server process, the example
// plugin installed through the platform; two workflows of the same shape — a chain of nodes that
// each build "Hello, <name>." — one of built-in `core/template` nodes, one of the plugin's
// `hello-world/greet` nodes. Each node's duration is what the worker recorded for it (the
// executor's clock around the node call: for the plugin node that is the per-call token, the
// request to the Plugin Server, the forward to the plugin process and back).
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createPlatform, loadPlatformConfig } from '@plugboard/platform';
import { request } from 'undici';
import { percentile, sleep } from './measure.ts';
import { freePort } from '../test/helpers/free-port.ts';
import type { BenchRow, BenchSection } from './report.ts';
import { startServerProcess } from './server-process.ts';

const CHAIN = 10;
const RUNS = 40;
const WARM_UP_RUNS = 5;
const DIRECT_CALLS = 500;
/** What a plugin node may add over the same work built in, at p50 and p99 (the targets). */
const ADDED_TARGET_MS = { 50: 1, 99: 5 } as const;
const USER_TOKEN = 'bench-user-token-0123456789';
const PLATFORM_KEY = 'bench-platform-key-0123456789';
const WEBHOOK_SECRET = 'bench-webhook-secret-0123456789abcdef';
const EXAMPLE = fileURLToPath(new URL('../examples/hello-world', import.meta.url));

interface RunView {
  status: string;
  error?: { message: string };
  nodes: { nodeId: string; durationMs?: number }[];
}

function chain(type: string, config: Record<string, unknown>, input: string) {
  const nodes = [
    { id: 'name', type: 'core/input', config: { name: 'name', type: 'string' } },
    ...Array.from({ length: CHAIN }, (_, i) => ({ id: `n${String(i)}`, type, config })),
  ];
  const edges = Array.from({ length: CHAIN }, (_, i) => ({
    from:
      i === 0
        ? { node: 'name', output: 'value' }
        : { node: `n${String(i - 1)}`, output: type === 'core/template' ? 'text' : 'greeting' },
    to: { node: `n${String(i)}`, input },
  }));
  return { nodes, edges };
}

async function run(): Promise<BenchRow[]> {
  const dataDir = await mkdtemp(join(tmpdir(), 'plugboard-bench-platform-'));
  const platformPort = await freePort();
  const platformUrl = `http://127.0.0.1:${String(platformPort)}`;
  const server = await startServerProcess({
    PLUGBOARD_PLATFORM_URL: platformUrl,
    PLUGBOARD_PLATFORM_API_KEY: PLATFORM_KEY,
    PLUGBOARD_WEBHOOK_SECRET: WEBHOOK_SECRET,
  });
  const platform = await createPlatform({
    config: loadPlatformConfig(
      {},
      {
        port: platformPort,
        dataDir,
        apiTokens: [USER_TOKEN],
        secretKey: 'bench-secret-key-0123456789abcdef0123456789',
        pluginServerUrl: server.url,
        pluginServerApiKey: server.apiKey,
        platformApiKeys: [PLATFORM_KEY],
        webhookSecret: WEBHOOK_SECRET,
        logLevel: 'warn',
      },
    ),
  });
  const call = async <T>(path: string, body?: unknown): Promise<T> => {
    const response = await fetch(`${platformUrl}${path}`, {
      method: body === undefined ? 'GET' : 'POST',
      headers: {
        authorization: `Bearer ${USER_TOKEN}`,
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
      },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    const json = (await response.json()) as T;
    if (response.status >= 300) {
      throw new Error(`${path}: ${JSON.stringify(json)}`);
    }
    return json;
  };
  try {
    await platform.listen();
    await call('/api/plugins', { id: 'hello-world', source: { type: 'local', path: EXAMPLE } });
    for (let i = 0; ; i += 1) {
      const { status } = await call<{ status: string }>('/api/plugins/hello-world');
      if (status === 'running') {
        break;
      }
      if (status === 'error' || i > 600) {
        throw new Error(`the example plugin did not start (${status})`);
      }
      await sleep(50);
    }
    const builtin = await call<{ id: string }>('/api/workflows', {
      name: 'built-in chain',
      graph: chain('core/template', { template: 'Hello, {{name}}.' }, 'name'),
    });
    const remote = await call<{ id: string }>('/api/workflows', {
      name: 'plugin chain',
      graph: chain('hello-world/greet', {}, 'name'),
    });
    const samples = { builtin: [] as number[], remote: [] as number[] };
    const once = async (workflowId: string, into: number[] | undefined) => {
      const { id } = await call<{ id: string }>(`/api/workflows/${workflowId}/runs`, {
        inputs: { name: 'bench' },
      });
      // Waits on the run's event stream rather than polling, so the bench adds no load meanwhile.
      const events = await fetch(`${platformUrl}/api/runs/${id}/events`, {
        headers: { authorization: `Bearer ${USER_TOKEN}` },
      });
      await events.text();
      const view = await call<RunView>(`/api/runs/${id}`);
      if (view.status !== 'succeeded') {
        throw new Error(`bench run ${view.status}: ${view.error?.message ?? ''}`);
      }
      into?.push(
        ...view.nodes.filter((n) => n.nodeId !== 'name').map((n) => n.durationMs ?? Number.NaN),
      );
    };
    for (let i = 0; i < WARM_UP_RUNS + RUNS; i += 1) {
      const keep = i >= WARM_UP_RUNS;
      // Alternated, so drift on the machine touches both alike.
      await once(builtin.id, keep ? samples.builtin : undefined);
      await once(remote.id, keep ? samples.remote : undefined);
    }
    const row = (p: 50 | 99): BenchRow => {
      const remoteMs = percentile(samples.remote, p);
      const builtinMs = percentile(samples.builtin, p);
      const allowedMs = ADDED_TARGET_MS[p];
      return {
        name: `node p${String(p)}, hello-world/greet in its plugin process`,
        value: remoteMs,
        unit: 'ms',
        baseline: builtinMs,
        baselineLabel: 'core/template in the worker',
        digits: 3,
        target: `≤ +${String(allowedMs)} ms over built in`,
        pass: remoteMs - builtinMs <= allowedMs,
        extra: `remote path adds ${(remoteMs - builtinMs).toFixed(3)} ms per node (${String(samples.remote.length)} nodes in ${String(RUNS)} runs of ${String(CHAIN)})`,
      };
    };
    // The same node called on the Plugin Server straight from here, one call at a time: what the
    // platform's side of the remote path (worker, token, config, client) adds on top of it.
    const direct: number[] = [];
    for (let i = 0; i < DIRECT_CALLS; i += 1) {
      const began = performance.now();
      const response = await request(`${server.url}/plugins/hello-world/nodes/greet/execute`, {
        method: 'POST',
        headers: {
          authorization: `Bearer ${server.apiKey}`,
          'content-type': 'application/json',
        },
        body: JSON.stringify({ inputs: { name: 'bench' }, config: {} }),
      });
      await response.body.text();
      if (i >= DIRECT_CALLS / 5) {
        direct.push(performance.now() - began);
      }
    }
    return [
      row(50),
      row(99),
      {
        name: 'the Plugin Server execute call alone p50 (no platform)',
        value: percentile(direct, 50),
        unit: 'ms',
        baseline: percentile(samples.builtin, 50),
        baselineLabel: 'core/template in the worker',
        digits: 3,
      },
    ];
  } finally {
    await platform.close();
    await server.close();
    await rm(dataDir, { recursive: true, force: true });
  }
}

export const remoteNodeSection: BenchSection = {
  title: 'Workflow node in a plugin vs built in (platform worker → Plugin Server → plugin)',
  baseline: 'the same work as a built-in node',
  run,
};
