// The worker as its own process (`plugboard worker`), sharing a PostgreSQL database with a
// platform built in-process without a worker: runs are executed only over there, their progress
// reaches the platform's SSE stream through the database, cancel requests reach a running node in
// the other process, a killed worker's run ends `failed` once found abandoned, and the worker
// refuses to start without PostgreSQL.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  startStandInPluginServer,
  type StandInPluginServer,
} from './helpers/stand-in-plugin-server.ts';
import {
  createPostgresDatabase,
  platformEnv,
  postStatus,
  readRunEvents,
  SERVER_API_KEY,
  startTestPlatform,
  testManifest,
  until,
  type SseEvent,
  type TestPlatform,
} from './helpers/test-platform.ts';
import { spawnWorker, startWorker, type WorkerChild } from './helpers/worker-process.ts';

interface Run {
  id: string;
  status: string;
  outputs?: Record<string, unknown>;
  error?: { code: string; message: string };
  cancelRequested: boolean;
  nodes: { nodeId: string; status: string; outputs?: Record<string, unknown> }[];
}

const greetingGraph = {
  nodes: [
    { id: 'in', type: 'core/input', config: { name: 'name', type: 'string' } },
    { id: 'greet', type: 'core/template', config: { template: 'Hello {{ name }}!' } },
    { id: 'out', type: 'core/output', config: { name: 'greeting' } },
  ],
  edges: [
    { from: { node: 'in', output: 'value' }, to: { node: 'greet', input: 'name' } },
    { from: { node: 'greet', output: 'text' }, to: { node: 'out', input: 'value' } },
  ],
};

/** A plugin node that waits (answered by the stand-in Plugin Server) until told or cancelled. */
const waitGraph = {
  nodes: [
    { id: 'in', type: 'core/input', config: { name: 'ms', type: 'number' } },
    { id: 'wait', type: 'slow/wait', config: {} },
    { id: 'out', type: 'core/output', config: { name: 'waited' } },
  ],
  edges: [
    { from: { node: 'in', output: 'value' }, to: { node: 'wait', input: 'ms' } },
    { from: { node: 'wait', output: 'waited' }, to: { node: 'out', input: 'value' } },
  ],
};

describe('plugboard worker as its own process', () => {
  let database: { url: string; drop(): Promise<void> } | undefined;
  let stand: StandInPluginServer;
  let t: TestPlatform;
  let env: Record<string, string>;
  let greeting: string;
  let waiting: string;
  const workers: (WorkerChild & { id: string })[] = [];
  /** Execute calls the stand-in is holding, with what became of them. */
  const executions: { ms: number; signal: AbortSignal; answered: boolean }[] = [];

  const startRun = async (workflowId: string, inputs: Record<string, unknown>) => {
    const answer = await t.json<Run>('POST', `/api/workflows/${workflowId}/runs`, {
      body: { inputs },
    });
    expect(answer.status).toBe(202);
    return answer.body;
  };
  const getRun = async (id: string) => (await t.json<Run>('GET', `/api/runs/${id}`)).body;
  const runReaches = (id: string, statuses: string[], timeoutMs = 15_000) =>
    until(
      `run ${id} to be ${statuses.join(' or ')}`,
      async () => {
        const run = await getRun(id);
        return statuses.includes(run.status) ? run : undefined;
      },
      timeoutMs,
    );
  const launchWorker = async () => {
    const worker = await startWorker(['--database-url', database?.url ?? ''], env);
    workers.push(worker);
    return worker;
  };
  const stopWorker = async (worker: WorkerChild) => {
    worker.child.kill('SIGTERM');
    return worker.exited;
  };

  beforeAll(async () => {
    database = await createPostgresDatabase();
    stand = await startStandInPluginServer({ apiKey: SERVER_API_KEY });
    stand.onExecute = async ({ node, body, signal }) => {
      const ms = (body['inputs'] as { ms: number }).ms;
      const execution = { ms, signal, answered: false };
      executions.push(execution);
      expect(node).toBe('wait');
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, ms);
        signal.addEventListener('abort', () => {
          clearTimeout(timer);
          resolve();
        });
      });
      execution.answered = !signal.aborted;
      return { status: 200, body: { outputs: { waited: ms }, durationMs: ms } };
    };
    t = await startTestPlatform({
      pluginServerUrl: stand.url,
      databaseUrl: database.url,
      embeddedWorker: false,
    });
    // Only what a worker needs: no user tokens, no keys of Plugin Servers, no webhook secret.
    const needed = Object.fromEntries(
      Object.entries(platformEnv(stand.url)).filter(
        ([name]) =>
          ![
            'PLUGBOARD_API_TOKENS',
            'PLUGBOARD_PLATFORM_API_KEY',
            'PLUGBOARD_WEBHOOK_SECRET',
          ].includes(name),
      ),
    );
    env = {
      ...needed,
      PLUGBOARD_PLATFORM_DATA_DIR: t.dataDir,
      // A newly started worker waits this long before it counts any run abandoned; short here so
      // the successor below need not wait the default minute.
      PLUGBOARD_WORKER_ABANDONED_AFTER_MS: '3000',
    };

    expect(
      (
        await t.json('POST', '/api/plugins', {
          body: { id: 'slow', source: { type: 'local', path: '/plugins/slow' } },
        })
      ).status,
    ).toBe(202);
    const applied = await postStatus(t.url, {
      pluginId: 'slow',
      status: 'running',
      sequence: 1,
      manifest: testManifest({
        id: 'slow',
        nodes: [
          {
            name: 'wait',
            inputs: {
              type: 'object',
              properties: { ms: { type: 'number' } },
              required: ['ms'],
            },
            outputs: {
              type: 'object',
              properties: { waited: { type: 'number' } },
              required: ['waited'],
            },
          },
        ],
      }),
    });
    expect(applied.body.outcome).toBe('applied');
    const save = async (name: string, graph: unknown) => {
      const answer = await t.json<{ id: string }>('POST', '/api/workflows', {
        body: { name, graph },
      });
      expect(answer.status).toBe(201);
      return answer.body.id;
    };
    greeting = await save('greeting', greetingGraph);
    waiting = await save('waiting', waitGraph);
  }, 60_000);

  afterAll(async () => {
    for (const worker of workers) {
      worker.child.kill('SIGKILL');
      await worker.exited;
    }
    // eslint-disable-next-line @typescript-eslint/no-unnecessary-condition -- unset when beforeAll failed
    await t?.close();
    // eslint-disable-next-line @typescript-eslint/no-unnecessary-condition -- unset when beforeAll failed
    await stand?.close();
    await database?.drop();
  });

  it('the platform has no worker: a run waits `queued`, and cancelling it ends it at once', async () => {
    expect(t.platform.worker).toBeUndefined();
    const run = await startRun(greeting, { name: 'nobody' });
    expect(run.status).toBe('queued');
    await new Promise((resolve) => setTimeout(resolve, 700));
    expect((await getRun(run.id)).status).toBe('queued');

    const following = readRunEvents(t.url, run.id, { timeoutMs: 5_000 });
    const cancelled = await t.json<Run>('POST', `/api/runs/${run.id}/cancel`);
    expect(cancelled.status).toBe(202);
    expect(cancelled.body).toMatchObject({ status: 'cancelled', cancelRequested: true });
    expect(cancelled.body.error?.code).toBe('PLAT_CANCELLED');
    const events = await following;
    expect(events.map((e) => e.type)).toEqual(['run.finished']);
    expect(events[0]?.data).toMatchObject({ status: 'cancelled' });
  });

  it('a separate `plugboard worker` runs it; the platform follows over SSE through the database', async () => {
    const worker = await launchWorker();
    expect(worker.id).toMatch(/^worker_/);
    const run = await startRun(greeting, { name: 'Ada' });
    const seen: SseEvent[] = [];
    const events = await readRunEvents(t.url, run.id, {
      timeoutMs: 15_000,
      onEvent: (e) => seen.push(e),
    });
    expect(events[0]?.type).toBe('run.started');
    expect(events.filter((e) => e.type === 'node.finished')).toHaveLength(3);
    expect(events.at(-1)).toMatchObject({
      type: 'run.finished',
      data: { status: 'succeeded', outputs: { greeting: 'Hello Ada!' } },
    });

    const done = await getRun(run.id);
    expect(done.status).toBe('succeeded');
    expect(done.outputs).toEqual({ greeting: 'Hello Ada!' });
    expect(done.nodes.find((n) => n.nodeId === 'greet')?.outputs).toEqual({
      text: 'Hello Ada!',
    });
    const [row] = await t.platform.services.db.query<{ worker_id: string }>(
      'SELECT worker_id FROM runs WHERE id = $1',
      [run.id],
    );
    expect(row?.worker_id).toBe(worker.id);

    // The run cancelled while queued stays so: no worker ever claims it.
    const [cancelled] = await t.platform.services.db.query<{ n: number }>(
      "SELECT count(*)::int AS n FROM runs WHERE status = 'cancelled' AND worker_id IS NULL",
    );
    expect(cancelled?.n).toBe(1);
  });

  it('a cancel request reaches a plugin node running in the worker process', async () => {
    const before = executions.length;
    const run = await startRun(waiting, { ms: 30_000 });
    await until('the node to reach the Plugin Server', () =>
      executions.length > before ? true : undefined,
    );
    const asked = Date.now();
    const answer = await t.json<Run>('POST', `/api/runs/${run.id}/cancel`);
    expect(answer.status).toBe(202);
    expect(answer.body).toMatchObject({ status: 'running', cancelRequested: true });
    const done = await runReaches(run.id, ['cancelled', 'failed', 'succeeded']);
    expect(done.status).toBe('cancelled');
    expect(Date.now() - asked).toBeLessThan(5_000);
    const execution = executions[before];
    expect(execution?.signal.aborted).toBe(true);
    expect(execution?.answered).toBe(false);
  });

  it('a worker killed with SIGKILL mid-run leaves the run to end `failed` when another worker finds it abandoned', async () => {
    const [victim] = workers.filter((w) => w.child.exitCode === null);
    expect(victim).toBeDefined();
    const before = executions.length;
    const run = await startRun(waiting, { ms: 30_000 });
    await until('the node to reach the Plugin Server', () =>
      executions.length > before ? true : undefined,
    );
    victim?.child.kill('SIGKILL');
    expect(await victim?.exited).toBe('SIGKILL');
    await until('the killed worker’s connection to close', () =>
      executions[before]?.signal.aborted === true ? true : undefined,
    );
    // Nobody finishes it: it stays `running` with the dead worker's id.
    expect((await getRun(run.id)).status).toBe('running');

    // A worker counts a run as abandoned after its window without a heartbeat; age it rather
    // than wait.
    await t.platform.services.db.query(
      "UPDATE runs SET heartbeat_at = now() - interval '2 minutes' WHERE id = $1",
      [run.id],
    );
    const following = readRunEvents(t.url, run.id, { timeoutMs: 15_000 });
    const successor = await launchWorker();
    expect(successor.id).not.toBe(victim?.id);
    const failed = await runReaches(run.id, ['failed', 'succeeded', 'cancelled']);
    expect(failed.status).toBe('failed');
    expect(failed.error?.code).toBe('PLAT_WORKER_STOPPED');
    expect(failed.nodes.find((n) => n.nodeId === 'wait')?.status).toBe('cancelled');
    expect((await following).at(-1)).toMatchObject({
      type: 'run.finished',
      data: { status: 'failed' },
    });
    // It is not re-run: the node reached a plugin once and only once.
    expect(executions.filter((e) => e.ms === 30_000)).toHaveLength(2);

    // The successor takes new runs.
    const next = await startRun(greeting, { name: 'Bo' });
    expect((await runReaches(next.id, ['succeeded', 'failed'])).outputs).toEqual({
      greeting: 'Hello Bo!',
    });
    expect(await stopWorker(successor)).toBe(0);
  });

  it('refuses to start without --database-url, naming PLUGBOARD_DATABASE_URL', async () => {
    const worker = spawnWorker([], env);
    const code = await worker.exited;
    expect(code).not.toBe(0);
    expect(typeof code).toBe('number');
    expect(worker.output()).toContain('set PLUGBOARD_DATABASE_URL');
    expect(worker.output()).not.toContain('taking runs');
  });
});
