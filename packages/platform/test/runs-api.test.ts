// Workflows and runs through the API of an in-process platform (embedded worker, embedded
// PGlite): run inputs checked before a run exists, node records, cancel rules, the SSE stream
// and its resumption, graph validation on save, and the user token on every route.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  startStandInPluginServer,
  type StandInPluginServer,
} from './helpers/stand-in-plugin-server.ts';
import {
  PLATFORM_KEY,
  readRunEvents,
  SERVER_API_KEY,
  startTestPlatform,
  until,
  USER_TOKEN,
  type Envelope,
  type SseEvent,
  type TestPlatform,
} from './helpers/test-platform.ts';

interface NodeRun {
  nodeId: string;
  status: string;
  inputs?: Record<string, unknown>;
  outputs?: Record<string, unknown>;
  error?: { code: string; message: string };
  startedAt?: string;
  finishedAt?: string;
  durationMs?: number;
}
interface Run {
  id: string;
  workflowId: string;
  status: string;
  inputs: Record<string, unknown>;
  outputs?: Record<string, unknown>;
  error?: { code: string; message: string };
  cancelRequested: boolean;
  nodes: NodeRun[];
}
interface Workflow {
  id: string;
  name: string;
  description: string;
  graph: { nodes: { id: string; type: string }[]; edges: unknown[] };
  updatedAt: string;
}
interface Issue {
  code: string;
  message: string;
  path: (string | number)[];
  nodeId?: string;
}

const greetingGraph = {
  nodes: [
    { id: 'in_name', type: 'core/input', config: { name: 'name', type: 'string' } },
    {
      id: 'in_count',
      type: 'core/input',
      config: { name: 'count', type: 'number', required: false, default: 1 },
    },
    { id: 'in_doc', type: 'core/input', config: { name: 'doc', type: 'file', required: false } },
    {
      id: 'greet',
      type: 'core/template',
      config: { template: 'Hello {{ name }} x{{ count }}{{ doc.name }}' },
    },
    { id: 'out', type: 'core/output', config: { name: 'greeting' } },
  ],
  edges: [
    { from: { node: 'in_name', output: 'value' }, to: { node: 'greet', input: 'name' } },
    { from: { node: 'in_count', output: 'value' }, to: { node: 'greet', input: 'count' } },
    { from: { node: 'in_doc', output: 'value' }, to: { node: 'greet', input: 'doc' } },
    { from: { node: 'greet', output: 'text' }, to: { node: 'out', input: 'value' } },
  ],
};

/** Three problems at once: an unknown type, an edge to nowhere, and a loop. */
const brokenGraph = {
  nodes: [
    { id: 'a', type: 'core/template', config: { template: '{{ x }}' } },
    { id: 'b', type: 'core/template', config: { template: '{{ x }}' } },
    { id: 'c', type: 'acme/does-not-exist', config: {} },
  ],
  edges: [
    { from: { node: 'a', output: 'text' }, to: { node: 'b', input: 'x' } },
    { from: { node: 'b', output: 'text' }, to: { node: 'a', input: 'x' } },
    { from: { node: 'a', output: 'text' }, to: { node: 'nowhere', input: 'x' } },
  ],
};

describe('runs and workflows API', () => {
  let stand: StandInPluginServer;
  let t: TestPlatform;
  let workflow: Workflow;

  const runCount = async () =>
    (await t.platform.services.db.query<{ n: number }>('SELECT count(*)::int AS n FROM runs'))[0]
      ?.n;
  const startRun = (inputs: Record<string, unknown>, workflowId = workflow.id) =>
    t.json<Run & Partial<Envelope>>('POST', `/api/workflows/${workflowId}/runs`, {
      body: { inputs },
    });
  const getRun = async (id: string) => (await t.json<Run>('GET', `/api/runs/${id}`)).body;
  const finished = (id: string) =>
    until(`run ${id} to finish`, async () => {
      const run = await getRun(id);
      return ['succeeded', 'failed', 'cancelled'].includes(run.status) ? run : undefined;
    });

  beforeAll(async () => {
    stand = await startStandInPluginServer({ apiKey: SERVER_API_KEY });
    t = await startTestPlatform({ pluginServerUrl: stand.url });
    const created = await t.json<Workflow>('POST', '/api/workflows', {
      body: { name: 'greeting', description: 'says hello', graph: greetingGraph },
    });
    expect(created.status).toBe(201);
    workflow = created.body;
  });
  afterAll(async () => {
    // eslint-disable-next-line @typescript-eslint/no-unnecessary-condition -- unset when beforeAll failed
    await t?.close();
    // eslint-disable-next-line @typescript-eslint/no-unnecessary-condition -- unset when beforeAll failed
    await stand?.close();
  });

  describe('runs', () => {
    it("records every node's inputs, outputs and timing, and the run's outputs", async () => {
      const started = await startRun({ name: 'Ada', count: 3 });
      expect(started.status).toBe(202);
      expect(started.body).toMatchObject({
        workflowId: workflow.id,
        inputs: { name: 'Ada', count: 3 },
        cancelRequested: false,
      });
      const run = await finished(started.body.id);
      expect(run.status).toBe('succeeded');
      expect(run.outputs).toEqual({ greeting: 'Hello Ada x3' });
      const byId = Object.fromEntries(run.nodes.map((n) => [n.nodeId, n]));
      expect(Object.keys(byId).sort()).toEqual(['greet', 'in_count', 'in_doc', 'in_name', 'out']);
      expect(byId['greet']).toMatchObject({
        status: 'succeeded',
        inputs: { name: 'Ada', count: 3, doc: null },
        outputs: { text: 'Hello Ada x3' },
      });
      expect(byId['in_name']).toMatchObject({ inputs: {}, outputs: { value: 'Ada' } });
      expect(byId['out']).toMatchObject({ inputs: { value: 'Hello Ada x3' }, outputs: {} });
      for (const node of run.nodes) {
        expect(node.status, node.nodeId).toBe('succeeded');
        expect(node.durationMs, node.nodeId).toBeGreaterThanOrEqual(0);
        expect(Date.parse(node.finishedAt ?? '')).toBeGreaterThanOrEqual(
          Date.parse(node.startedAt ?? ''),
        );
      }
      // Defaults apply to inputs not given.
      const defaulted = await finished((await startRun({ name: 'Bo' })).body.id);
      expect(defaulted.outputs).toEqual({ greeting: 'Hello Bo x1' });
    });

    it('takes an uploaded file as a file input', async () => {
      const upload = await fetch(`${t.url}/api/files?name=notes.txt`, {
        method: 'POST',
        headers: {
          authorization: `Bearer ${USER_TOKEN}`,
          'content-type': 'text/plain',
        },
        body: 'some notes',
      });
      expect(upload.status).toBe(201);
      const doc = (await upload.json()) as { id: string; name: string; contentType: string };
      const run = await finished((await startRun({ name: 'Cy', doc })).body.id);
      expect(run.outputs).toEqual({ greeting: 'Hello Cy x1notes.txt' });
    });

    it('refuses inputs that do not fit with 422 PLAT_INPUTS_INVALID and creates no run', async () => {
      const before = await runCount();
      const cases: [Record<string, unknown>, string][] = [
        [{}, 'missing_run_input'],
        [{ name: 42 }, 'invalid_run_input'],
        [{ name: 'Ada', count: 'three' }, 'invalid_run_input'],
        [{ name: 'Ada', colour: 'red' }, 'unknown_run_input'],
        [{ name: 'Ada', doc: 'not-a-file-ref' }, 'invalid_run_input'],
        [
          {
            name: 'Ada',
            doc: { id: 'file_does_not_exist', name: 'a.txt', contentType: 'text/plain' },
          },
          'file_not_found',
        ],
      ];
      for (const [inputs, code] of cases) {
        const answer = await startRun(inputs);
        expect(answer.status, JSON.stringify(inputs)).toBe(422);
        expect(answer.body.error?.code).toBe('PLAT_INPUTS_INVALID');
        const issues = answer.body.error?.details?.['issues'] as Issue[];
        expect(issues.map((i) => i.code)).toEqual([code]);
      }
      // Every problem at once.
      const many = await startRun({ count: 'x', colour: 1 });
      expect((many.body.error?.details?.['issues'] as Issue[]).map((i) => i.code).sort()).toEqual([
        'invalid_run_input',
        'missing_run_input',
        'unknown_run_input',
      ]);
      expect(await runCount()).toBe(before);
    });

    it('answers 404 envelopes for an unknown run or workflow', async () => {
      for (const [method, path, code] of [
        ['GET', '/api/runs/run_nope', 'PLAT_RUN_NOT_FOUND'],
        ['GET', '/api/runs/run_nope/events', 'PLAT_RUN_NOT_FOUND'],
        ['POST', '/api/runs/run_nope/cancel', 'PLAT_RUN_NOT_FOUND'],
        ['POST', '/api/workflows/wf_nope/runs', 'PLAT_WORKFLOW_NOT_FOUND'],
        ['GET', '/api/workflows/wf_nope', 'PLAT_WORKFLOW_NOT_FOUND'],
      ] as const) {
        const answer = await t.json<Envelope>(method, path, method === 'POST' ? { body: {} } : {});
        expect(answer.status, path).toBe(404);
        expect(answer.body.error).toMatchObject({ code, kind: 'user', retryable: false });
        expect(answer.body.error.message).toEqual(expect.any(String));
      }
    });

    it('refuses to cancel a finished run with 409 and leaves it as it was', async () => {
      const run = await finished((await startRun({ name: 'Di' })).body.id);
      const answer = await t.json<Envelope>('POST', `/api/runs/${run.id}/cancel`);
      expect(answer.status).toBe(409);
      expect(answer.body.error.code).toBe('PLAT_CONFLICT');
      expect(await getRun(run.id)).toEqual(run);
    });

    it('lists runs newest first, by workflow', async () => {
      const list = await t.json<{ runs: Run[] }>(
        'GET',
        `/api/runs?workflowId=${workflow.id}&limit=2`,
      );
      expect(list.status).toBe(200);
      expect(list.body.runs).toHaveLength(2);
      expect(list.body.runs.every((r) => r.workflowId === workflow.id)).toBe(true);
      const other = await t.json<{ runs: Run[] }>('GET', '/api/runs?workflowId=wf_other');
      expect(other.body.runs).toEqual([]);
    });
  });

  describe('run events (SSE)', () => {
    let all: SseEvent[];
    let runId: string;

    beforeAll(async () => {
      runId = (await startRun({ name: 'Ed' })).body.id;
      all = await readRunEvents(t.url, runId);
    });

    it('streams run.started, node events and run.finished, then ends', () => {
      expect(all[0]?.type).toBe('run.started');
      expect(all.at(-1)).toMatchObject({
        type: 'run.finished',
        data: { status: 'succeeded', outputs: { greeting: 'Hello Ed x1' } },
      });
      expect(all.filter((e) => e.type === 'node.started')).toHaveLength(5);
      expect(all.filter((e) => e.type === 'node.finished')).toHaveLength(5);
      const ids = all.map((e) => e.id);
      expect([...ids].sort((a, b) => a - b)).toEqual(ids);
      expect(new Set(ids).size).toBe(ids.length);
    });

    it('resumes after Last-Event-ID (or ?after=) without repeating an event', async () => {
      const cut = all[3];
      expect(cut).toBeDefined();
      const resumed = await readRunEvents(t.url, runId, { lastEventId: cut?.id ?? 0 });
      expect(resumed).toEqual(all.slice(4));
      const response = await fetch(`${t.url}/api/runs/${runId}/events?after=${String(cut?.id)}`, {
        headers: { authorization: `Bearer ${USER_TOKEN}` },
        signal: AbortSignal.timeout(10_000),
      });
      const text = await response.text();
      expect([...text.matchAll(/^id: (\d+)$/gm)].map((m) => Number(m[1]))).toEqual(
        all.slice(4).map((e) => e.id),
      );
    });

    it('ends at once when resumed after the last event (a reconnecting EventSource)', async () => {
      const last = all.at(-1);
      const resumed = await readRunEvents(t.url, runId, {
        lastEventId: last?.id ?? 0,
        timeoutMs: 3_000,
      });
      expect(resumed).toEqual([]);
    });

    it('ends with run.finished when a queued run is cancelled', async () => {
      const worker = t.platform.worker;
      expect(worker).toBeDefined();
      await worker?.stop();
      try {
        const queued = await startRun({ name: 'Fay' });
        expect(queued.body.status).toBe('queued');
        const seen: SseEvent[] = [];
        const following = readRunEvents(t.url, queued.body.id, {
          timeoutMs: 5_000,
          onEvent: (e) => seen.push(e),
        });
        const cancelled = await t.json<Run>('POST', `/api/runs/${queued.body.id}/cancel`);
        expect(cancelled.status).toBe(202);
        expect(cancelled.body).toMatchObject({ status: 'cancelled', cancelRequested: true });
        expect(cancelled.body.error?.code).toBe('PLAT_CANCELLED');
        expect(cancelled.body.nodes.every((n) => n.status === 'cancelled')).toBe(true);
        const events = await following;
        expect(events.map((e) => e.type)).toEqual(['run.finished']);
        expect(events[0]?.data).toMatchObject({ status: 'cancelled' });
        // Cancelling again: it has finished.
        expect((await t.json('POST', `/api/runs/${queued.body.id}/cancel`)).status).toBe(409);
      } finally {
        worker?.start();
      }
      // The worker never picks a cancelled run up.
      const next = await finished((await startRun({ name: 'Gus' })).body.id);
      expect(next.status).toBe('succeeded');
    });
  });

  describe('workflows', () => {
    it('refuses an invalid graph on PUT with 422 and every issue, keeping the stored workflow', async () => {
      const before = (await t.json<Workflow>('GET', `/api/workflows/${workflow.id}`)).body;
      const answer = await t.json<Envelope>('PUT', `/api/workflows/${workflow.id}`, {
        body: { name: 'renamed', graph: brokenGraph },
      });
      expect(answer.status).toBe(422);
      expect(answer.body.error.code).toBe('PLAT_WORKFLOW_INVALID');
      const codes = (answer.body.error.details?.['issues'] as Issue[]).map((i) => i.code);
      expect(codes).toEqual(expect.arrayContaining(['unknown_node_type', 'unknown_node', 'cycle']));
      expect((await t.json<Workflow>('GET', `/api/workflows/${workflow.id}`)).body).toEqual(before);

      const malformed = await t.json<Envelope>('PUT', `/api/workflows/${workflow.id}`, {
        body: { name: 'renamed', graph: { nodes: [{ id: '1 bad id', type: 'core/template' }] } },
      });
      expect(malformed.status).toBe(400);
      expect(malformed.body.error.code).toBe('PLAT_BAD_REQUEST');
      expect((await t.json<Workflow>('GET', `/api/workflows/${workflow.id}`)).body).toEqual(before);

      const unknown = await t.json<Envelope>('PUT', '/api/workflows/wf_nope', {
        body: { name: 'x', graph: greetingGraph },
      });
      expect(unknown.status).toBe(404);
    });

    it('saves a valid replacement', async () => {
      const created = await t.json<Workflow>('POST', '/api/workflows', {
        body: { name: 'to replace', graph: greetingGraph },
      });
      const replaced = await t.json<Workflow>('PUT', `/api/workflows/${created.body.id}`, {
        body: {
          name: 'replaced',
          graph: {
            nodes: [
              { id: 'i', type: 'core/input', config: { name: 'v' } },
              { id: 'o', type: 'core/output', config: { name: 'w' } },
            ],
            edges: [{ from: { node: 'i', output: 'value' }, to: { node: 'o', input: 'value' } }],
          },
        },
      });
      expect(replaced.status).toBe(200);
      expect(replaced.body.name).toBe('replaced');
      const run = await finished((await startRun({ v: [1, 2] }, created.body.id)).body.id);
      expect(run.outputs).toEqual({ w: [1, 2] });
    });

    it('refuses an invalid graph on POST and stores nothing', async () => {
      const count = (await t.json<{ workflows: Workflow[] }>('GET', '/api/workflows')).body
        .workflows.length;
      const answer = await t.json<Envelope>('POST', '/api/workflows', {
        body: { name: 'broken', graph: brokenGraph },
      });
      expect(answer.status).toBe(422);
      expect(answer.body.error.code).toBe('PLAT_WORKFLOW_INVALID');
      expect(
        (await t.json<{ workflows: Workflow[] }>('GET', '/api/workflows')).body.workflows,
      ).toHaveLength(count);
    });

    it('validates a graph without saving it', async () => {
      const count = (await t.json<{ workflows: Workflow[] }>('GET', '/api/workflows')).body
        .workflows.length;
      const invalid = await t.json<{ valid: boolean; issues: Issue[] }>(
        'POST',
        '/api/workflows/validate',
        { body: { graph: brokenGraph } },
      );
      expect(invalid.status).toBe(200);
      expect(invalid.body.valid).toBe(false);
      expect(invalid.body.issues.map((i) => i.code)).toEqual(
        expect.arrayContaining(['unknown_node_type', 'unknown_node', 'cycle']),
      );
      const nodeIssue = invalid.body.issues.find((i) => i.code === 'unknown_node_type');
      expect(nodeIssue).toMatchObject({ nodeId: 'c', path: ['nodes', 2, 'type'] });
      const valid = await t.json('POST', '/api/workflows/validate', {
        body: { graph: greetingGraph },
      });
      expect(valid.body).toEqual({ valid: true, issues: [] });
      expect(
        (await t.json<{ workflows: Workflow[] }>('GET', '/api/workflows')).body.workflows,
      ).toHaveLength(count);
    });
  });

  it('answers 401 on every /api route without the user token, with a wrong one or a Plugin Server key', async () => {
    const runs = await runCount();
    const workflows = (await t.json<{ workflows: Workflow[] }>('GET', '/api/workflows')).body
      .workflows.length;
    const runId = (await t.json<{ runs: Run[] }>('GET', '/api/runs')).body.runs[0]?.id ?? 'run_x';
    const routes: [string, string, unknown?][] = [
      ['GET', '/api/nodes'],
      ['GET', '/api/plugins'],
      ['GET', '/api/workflows'],
      ['POST', '/api/workflows', { name: 'x', graph: greetingGraph }],
      ['POST', '/api/workflows/validate', { graph: greetingGraph }],
      ['GET', `/api/workflows/${workflow.id}`],
      ['PUT', `/api/workflows/${workflow.id}`, { name: 'hijacked', graph: greetingGraph }],
      ['DELETE', `/api/workflows/${workflow.id}`],
      ['POST', `/api/workflows/${workflow.id}/runs`, { inputs: { name: 'x' } }],
      ['GET', '/api/runs'],
      ['GET', `/api/runs/${runId}`],
      ['GET', `/api/runs/${runId}/events`],
      ['POST', `/api/runs/${runId}/cancel`, {}],
    ];
    for (const auth of [null, 'wrong-user-token-0123456789', PLATFORM_KEY]) {
      for (const [method, path, body] of routes) {
        const answer = await t.json<Envelope>(method, path, {
          auth,
          ...(body === undefined ? {} : { body }),
        });
        expect(answer.status, `${method} ${path} as ${String(auth)}`).toBe(401);
        expect(answer.body.error.code).toBe('PLAT_UNAUTHORIZED');
      }
    }
    expect(await runCount()).toBe(runs);
    const after = await t.json<Workflow>('GET', `/api/workflows/${workflow.id}`);
    expect(after.body.name).toBe('greeting');
    expect(
      (await t.json<{ workflows: Workflow[] }>('GET', '/api/workflows')).body.workflows,
    ).toHaveLength(workflows);
  });
});
