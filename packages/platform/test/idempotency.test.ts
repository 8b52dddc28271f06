// `Idempotency-Key` on run creation and plugin install, against an in-process platform: a repeat
// (also many at once, as a client retrying after timeouts sends them) gets the first answer and
// creates one run or one install; the same key with another request is refused.
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  startStandInPluginServer,
  type StandInPluginServer,
} from './helpers/stand-in-plugin-server.ts';
import {
  SERVER_API_KEY,
  startTestPlatform,
  USER_TOKEN,
  type TestPlatform,
} from './helpers/test-platform.ts';

let stand: StandInPluginServer;
let t: TestPlatform;
let workflowId: string;

beforeAll(async () => {
  stand = await startStandInPluginServer({ apiKey: SERVER_API_KEY });
  t = await startTestPlatform({ pluginServerUrl: stand.url });
  const created = await t.json<{ id: string }>('POST', '/api/workflows', {
    body: {
      name: 'echo',
      graph: {
        nodes: [
          { id: 'in', type: 'core/input', config: { name: 'text', type: 'string' } },
          { id: 'out', type: 'core/output', config: { name: 'text' } },
        ],
        edges: [{ from: { node: 'in', output: 'value' }, to: { node: 'out', input: 'value' } }],
      },
    },
  });
  workflowId = created.body.id;
});
afterAll(async () => {
  // eslint-disable-next-line @typescript-eslint/no-unnecessary-condition -- unset when beforeAll failed
  await t?.close();
  // eslint-disable-next-line @typescript-eslint/no-unnecessary-condition -- unset when beforeAll failed
  await stand?.close();
});

async function post(path: string, body: unknown, key: string | undefined) {
  const response = await fetch(`${t.url}${path}`, {
    method: 'POST',
    headers: {
      authorization: `Bearer ${USER_TOKEN}`,
      'content-type': 'application/json',
      ...(key === undefined ? {} : { 'idempotency-key': key }),
    },
    body: JSON.stringify(body),
  });
  return {
    status: response.status,
    replayed: response.headers.get('idempotent-replayed'),
    body: (await response.json()) as { id?: string; error?: { code: string; retryable: boolean } },
  };
}

const runCount = async () =>
  (await t.platform.services.db.query<{ n: number }>('SELECT count(*)::int AS n FROM runs'))[0]
    ?.n ?? 0;

describe('Idempotency-Key', () => {
  it('creates one run for a key sent many times at once, and repeats the first answer after', async () => {
    const before = await runCount();
    const key = randomUUID();
    const start = () =>
      post(`/api/workflows/${workflowId}/runs`, { inputs: { text: 'once' } }, key);
    const answers = await Promise.all(Array.from({ length: 12 }, start));
    // Each either got the run or was told the first is still under way (retry with the key).
    const created = answers.filter((a) => a.status === 202);
    expect(created.length).toBeGreaterThanOrEqual(1);
    for (const other of answers.filter((a) => a.status !== 202)) {
      expect(other.status).toBe(409);
      expect(other.body.error).toMatchObject({
        code: 'PLAT_IDEMPOTENCY_IN_PROGRESS',
        retryable: true,
      });
    }
    const runId = created[0]?.body.id;
    expect(new Set(created.map((a) => a.body.id))).toEqual(new Set([runId]));
    const repeat = await start();
    expect(repeat).toMatchObject({ status: 202, replayed: 'true', body: { id: runId } });
    expect(await runCount()).toBe(before + 1);
    // Without a key, each request is a new run.
    await post(`/api/workflows/${workflowId}/runs`, { inputs: { text: 'a' } }, undefined);
    await post(`/api/workflows/${workflowId}/runs`, { inputs: { text: 'a' } }, undefined);
    expect(await runCount()).toBe(before + 3);
  });

  it('refuses the same key with another request, and keeps a refusal as the first answer', async () => {
    const key = randomUUID();
    const path = `/api/workflows/${workflowId}/runs`;
    expect((await post(path, { inputs: { text: 'first' } }, key)).status).toBe(202);
    const other = await post(path, { inputs: { text: 'second' } }, key);
    expect(other.status).toBe(422);
    expect(other.body.error?.code).toBe('PLAT_IDEMPOTENCY_KEY_REUSED');

    const badKey = randomUUID();
    const refused = await post(path, { inputs: {} }, badKey);
    expect(refused.status).toBe(422);
    expect(await post(path, { inputs: {} }, badKey)).toMatchObject({
      status: 422,
      replayed: 'true',
    });
  });

  it('refuses a malformed key before anything is created', async () => {
    const before = await runCount();
    const answer = await post(
      `/api/workflows/${workflowId}/runs`,
      { inputs: { text: 'x' } },
      'x'.repeat(300),
    );
    expect(answer.status).toBe(400);
    expect(answer.body.error?.code).toBe('PLAT_BAD_REQUEST');
    expect(await runCount()).toBe(before);
  });

  it('installs once for a repeated install', async () => {
    const key = randomUUID();
    const body = { id: 'once-only', source: { type: 'marketplace', name: 'once-only' } };
    const first = await post('/api/plugins', body, key);
    expect(first.status).toBe(202);
    const again = await post('/api/plugins', body, key);
    expect(again).toMatchObject({ status: 202, replayed: 'true' });
    expect(again.body).toEqual(first.body);
    expect(stand.callsTo('POST', '/plugins/once-only/install')).toHaveLength(1);
  });
});
