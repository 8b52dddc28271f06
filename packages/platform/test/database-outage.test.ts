// The platform on a PostgreSQL of the test's own that goes away under load: stopped for 20 s,
// and frozen (connections open, no answers). Requests answer 503 `PLAT_DATABASE_UNAVAILABLE`
// within the database timeout and /health says not ready; the worker keeps its runs and the
// results their plugin nodes finished meanwhile, writes them once the database is back, and no
// run is marked as stopped by a worker that never stopped.
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startOwnPostgres, type OwnPostgres } from './helpers/own-postgres.ts';
import {
  startStandInPluginServer,
  type StandInPluginServer,
} from './helpers/stand-in-plugin-server.ts';
import {
  postStatus,
  SERVER_API_KEY,
  startTestPlatform,
  testManifest,
  until,
  USER_TOKEN,
  type TestPlatform,
} from './helpers/test-platform.ts';

interface Run {
  id: string;
  status: string;
  error?: { code: string; message: string };
  nodes: { nodeId: string; status: string; outputs?: Record<string, unknown> }[];
}

const TIMEOUT_MS = 2_000;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

let pg: OwnPostgres;
let stand: StandInPluginServer;
let t: TestPlatform;
let workflowId: string;
/** Node executions the stand-in answered, by run. */
const answered = new Set<string>();

beforeAll(async () => {
  pg = await startOwnPostgres();
  stand = await startStandInPluginServer({ apiKey: SERVER_API_KEY });
  stand.onExecute = async ({ body }) => {
    await sleep(1_000);
    const context = body['context'] as { runId: string };
    answered.add(context.runId);
    return { status: 200, body: { outputs: { waited: 1_000 }, durationMs: 1_000 } };
  };
  t = await startTestPlatform({
    pluginServerUrl: stand.url,
    databaseUrl: pg.url,
    databaseTimeoutMs: TIMEOUT_MS,
  });
  await t.json('POST', '/api/plugins', {
    body: { id: 'slow', source: { type: 'local', path: '/plugins/slow' } },
  });
  await postStatus(t.url, {
    pluginId: 'slow',
    status: 'running',
    sequence: 1,
    manifest: testManifest({
      id: 'slow',
      nodes: [
        {
          name: 'wait',
          inputs: { type: 'object', properties: { n: { type: 'number' } } },
          outputs: {
            type: 'object',
            properties: { waited: { type: 'number' } },
            required: ['waited'],
          },
        },
      ],
    }),
  });
  const saved = await t.json<{ id: string }>('POST', '/api/workflows', {
    body: {
      name: 'wait',
      graph: {
        nodes: [
          { id: 'in', type: 'core/input', config: { name: 'n', type: 'number' } },
          { id: 'wait', type: 'slow/wait', config: {} },
          { id: 'out', type: 'core/output', config: { name: 'waited' } },
        ],
        edges: [
          { from: { node: 'in', output: 'value' }, to: { node: 'wait', input: 'n' } },
          { from: { node: 'wait', output: 'waited' }, to: { node: 'out', input: 'value' } },
        ],
      },
    },
  });
  expect(saved.status).toBe(201);
  workflowId = saved.body.id;
}, 60_000);

afterAll(async () => {
  // eslint-disable-next-line @typescript-eslint/no-unnecessary-condition -- unset when beforeAll failed
  await t?.close();
  // eslint-disable-next-line @typescript-eslint/no-unnecessary-condition -- unset when beforeAll failed
  await stand?.close();
  // eslint-disable-next-line @typescript-eslint/no-unnecessary-condition -- unset when beforeAll failed
  await pg?.close();
});

async function timed(path: string, init: RequestInit = {}) {
  const began = performance.now();
  const response = await fetch(`${t.url}${path}`, {
    ...init,
    headers: {
      authorization: `Bearer ${USER_TOKEN}`,
      'content-type': 'application/json',
      ...(init.headers as Record<string, string> | undefined),
    },
  });
  const body = (await response.json()) as {
    id?: string;
    error?: { code: string; retryable: boolean };
  };
  return { status: response.status, body, ms: performance.now() - began };
}

const submit = (n: number) =>
  timed(`/api/workflows/${workflowId}/runs`, {
    method: 'POST',
    body: JSON.stringify({ inputs: { n } }),
    headers: { 'idempotency-key': randomUUID() },
  });

async function ends(ids: readonly string[]): Promise<Run[]> {
  return until(
    'every run to end',
    async () => {
      const runs = await Promise.all(
        ids.map(async (id) => (await t.json<Run>('GET', `/api/runs/${id}`)).body),
      );
      return runs.every((r) => r.status !== 'queued' && r.status !== 'running') ? runs : undefined;
    },
    90_000,
  );
}

/** Whether each answer while the database was away was the coded, retryable 503, in time. */
function expectUnavailable(answer: Awaited<ReturnType<typeof timed>>): void {
  expect(answer.status).toBe(503);
  expect(answer.body.error).toMatchObject({ code: 'PLAT_DATABASE_UNAVAILABLE', retryable: true });
  expect(answer.ms).toBeLessThan(TIMEOUT_MS * 2 + 1_000);
}

describe('PostgreSQL going away under load', () => {
  it('stopped for 20 s: no finished result lost, no live run marked stopped, coded 503s meanwhile', async () => {
    const created: string[] = [];
    for (let i = 0; i < 12; i += 1) {
      const answer = await submit(i);
      expect(answer.status).toBe(202);
      created.push(answer.body.id ?? '');
      await sleep(250);
    }
    await pg.stop();
    const stoppedAt = performance.now();
    const during: Awaited<ReturnType<typeof timed>>[] = [];
    while (performance.now() - stoppedAt < 20_000) {
      during.push(await submit(-1), await timed('/api/runs'), await timed('/health'));
      await sleep(1_000);
    }
    // The plugin work of the runs in progress finished while the database was away.
    expect(answered.size).toBeGreaterThan(0);
    await pg.start();
    for (const answer of during) {
      expectUnavailable(answer);
    }
    const runs = await ends(created);
    expect(
      runs.map((r) => (r.error === undefined ? r.status : `${r.status}: ${r.error.message}`)),
    ).toEqual(runs.map(() => 'succeeded'));
    for (const run of runs) {
      expect(run.nodes.find((n) => n.nodeId === 'wait')?.outputs).toEqual({ waited: 1_000 });
    }
    expect((await timed('/health')).status).toBe(200);
  }, 180_000);

  it('frozen: every call answers 503 within the timeout, and runs in progress end well after', async () => {
    const created: string[] = [];
    for (let i = 0; i < 4; i += 1) {
      created.push((await submit(i)).body.id ?? '');
    }
    await sleep(300);
    await pg.freeze();
    try {
      // The process itself is alive: restarting it would only lose what its worker holds.
      expect((await timed('/live')).status).toBe(200);
      expectUnavailable(await timed('/api/runs'));
      expectUnavailable(await submit(99));
      expectUnavailable(await timed('/health'));
    } finally {
      await pg.thaw();
    }
    const runs = await ends(created);
    expect(runs.map((r) => r.status)).toEqual(runs.map(() => 'succeeded'));
  }, 120_000);
});
