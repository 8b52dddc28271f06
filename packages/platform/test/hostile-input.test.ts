// Hostile and malformed requests against an in-process platform: percent-encoded paths cannot slip
// past authentication, credentials cannot ride in a git URL, text the database cannot store is a
// 400, a late `uninstalled` cannot end an install, and a worker that lost its run cannot
// overwrite it.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RunClaims } from '../src/runs/run-claims.ts';
import {
  startStandInPluginServer,
  type StandInPluginServer,
} from './helpers/stand-in-plugin-server.ts';
import {
  PLATFORM_KEY,
  SERVER_API_KEY,
  postStatus,
  startTestPlatform,
  USER_TOKEN,
  type Envelope,
  type TestPlatform,
} from './helpers/test-platform.ts';

describe('hostile input', () => {
  let stand: StandInPluginServer;
  let t: TestPlatform;

  beforeAll(async () => {
    stand = await startStandInPluginServer({ apiKey: SERVER_API_KEY });
    t = await startTestPlatform({ pluginServerUrl: stand.url });
  });
  afterAll(async () => {
    await t.close();
    await stand.close();
  });

  it('authenticates the matched route, whatever the spelling of the path', async () => {
    await t.json('POST', '/api/plugins', {
      body: {
        id: 'secretive',
        source: { type: 'git', url: 'https://git.example/x.git', token: 'ghp_do_not_leak' },
      },
    });
    for (const path of [
      '/%61pi/plugins',
      '/%61pi/workflows',
      '/%70lugin-server/desired',
      '/api/%70lugins',
      '/%70lugin-server/files/anything',
    ]) {
      const answer = await t.json<Envelope>('GET', path, { auth: null });
      expect(answer.status, path).toBe(401);
      expect(JSON.stringify(answer.body)).not.toContain('ghp_do_not_leak');
    }
    // A user token is not a Plugin Server key, on any spelling.
    expect((await t.json('GET', '/%70lugin-server/desired')).status).toBe(401);
    expect((await t.json('GET', '/%70lugin-server/desired', { auth: PLATFORM_KEY })).status).toBe(
      200,
    );
    // Unknown routes are closed too.
    expect((await t.json('GET', '/nothing-here', { auth: null })).status).toBe(401);
    expect((await t.json('GET', '/health', { auth: null })).status).toBe(200);
  });

  it("answers Fastify's and Node's own refusals with the error envelope too", async () => {
    const auth = { authorization: `Bearer ${USER_TOKEN}` };
    const cases: [string, RequestInit, number][] = [
      [`/api/plugins/${'x'.repeat(300)}`, { headers: auth }, 400],
      ['/api/plugins/%E0%A4%A', { headers: auth }, 400],
      [
        '/api/plugins',
        { method: 'POST', headers: { ...auth, 'content-type': 'application/json' }, body: '{bad' },
        400,
      ],
      [`/api/plugins?${'q'.repeat(20_000)}`, { headers: auth }, 431],
    ];
    for (const [path, init, status] of cases) {
      const response = await fetch(`${t.url}${path}`, init);
      expect(response.status).toBe(status);
      const body = (await response.json()) as Envelope;
      expect(body.error.code).toBe('PLAT_BAD_REQUEST');
      expect(body.error.message.length).toBeGreaterThan(0);
    }
  });

  it('refuses a query parameter a route does not know instead of ignoring it', async () => {
    for (const path of ['/api/runs?status=bogus', '/api/plugins?status=running']) {
      const answer = await t.json<Envelope>('GET', path);
      expect(answer.status).toBe(400);
      expect(answer.body.error.code).toBe('PLAT_BAD_REQUEST');
    }
    expect((await t.json('GET', '/api/runs?limit=5')).status).toBe(200);
  });

  it('refuses credentials inside a git URL before storing anything', async () => {
    const answer = await t.json<Envelope>('POST', '/api/plugins', {
      body: { id: 'in-url', source: { type: 'git', url: 'https://me:hunter22@git.example/x.git' } },
    });
    expect(answer.status).toBe(400);
    expect(answer.body.error.message).toContain('token');
    expect(JSON.stringify(answer.body)).not.toContain('hunter22');
    expect((await t.json('GET', '/api/plugins/in-url')).status).toBe(404);
  });

  it('answers 400 for a NUL character the database cannot store, and stores nothing', async () => {
    const before = (await t.json<{ workflows: unknown[] }>('GET', '/api/workflows')).body;
    const answer = await t.json<Envelope>('POST', '/api/workflows', {
      body: { name: 'bad\u0000name', graph: { nodes: [], edges: [] } },
    });
    expect(answer.status).toBe(400);
    expect(answer.body.error.code).toBe('PLAT_BAD_REQUEST');
    expect((await t.json<{ workflows: unknown[] }>('GET', '/api/workflows')).body).toEqual(before);
  });

  it('refuses a webhook sequence beyond the column with 400, not 500', async () => {
    const answer = await postStatus(t.url, {
      pluginId: 'secretive',
      status: 'running',
      sequence: 2 ** 31,
    });
    expect(answer.status).toBe(400);
  });

  it('does not let a late `uninstalled` end an install that is under way', async () => {
    await t.json('POST', '/api/plugins', {
      body: { id: 'reinstalled', source: { type: 'git', url: 'https://git.example/y.git' } },
    });
    const late = await postStatus(t.url, {
      pluginId: 'reinstalled',
      status: 'uninstalled',
      sequence: 5,
    });
    expect(late.body.outcome).toBe('ignored');
    expect((await t.json<{ status: string }>('GET', '/api/plugins/reinstalled')).body.status).toBe(
      'installing',
    );
  });

  it('refuses an upload source naming no stored file', async () => {
    const answer = await t.json<Envelope>('POST', '/api/plugins', {
      body: { id: 'from-nothing', source: { type: 'upload', fileId: 'file_missing' } },
    });
    expect(answer.status).toBe(404);
    expect(answer.body.error.code).toBe('PLAT_FILE_NOT_FOUND');
    expect((await t.json('GET', '/api/plugins/from-nothing')).status).toBe(404);
  });

  it('drops the result of a worker that no longer holds its run', async () => {
    const { runs, db } = t.platform.services;
    await db.query(
      `INSERT INTO workflows (id, name, graph) VALUES ('wf_lost', 'lost', '{"nodes":[],"edges":[]}')`,
    );
    await db.query(
      `INSERT INTO runs (id, workflow_id, graph, status, inputs, worker_id, heartbeat_at)
       VALUES ('run_lost', 'wf_lost', '{"nodes":[],"edges":[]}', 'running', '{}', 'worker_a', now())`,
    );
    // Another worker declared it abandoned and ended it.
    await db.query(
      `UPDATE runs SET status = 'failed', worker_id = 'worker_b' WHERE id = 'run_lost'`,
    );
    expect(
      await runs.finish({ runId: 'run_lost', workerId: 'worker_a' }, { status: 'succeeded' }),
    ).toBe(false);
    expect(await new RunClaims(db).heartbeat('worker_a', ['run_lost'])).toEqual([]);
    const [row] = await db.query<{ status: string }>(
      `SELECT status FROM runs WHERE id = 'run_lost'`,
    );
    expect(row?.status).toBe('failed');
  });

  it('refuses to delete a workflow while one of its runs is under way', async () => {
    const saved = await t.json<{ id: string }>('POST', '/api/workflows', {
      body: { name: 'busy', graph: { nodes: [], edges: [] } },
    });
    const { db } = t.platform.services;
    await db.query(
      `INSERT INTO runs (id, workflow_id, graph, status, inputs, worker_id, heartbeat_at)
       VALUES ('run_busy', $1, '{"nodes":[],"edges":[]}', 'running', '{}', 'worker_x', now())`,
      [saved.body.id],
    );
    const refused = await t.json<Envelope>('DELETE', `/api/workflows/${saved.body.id}`);
    expect(refused.status).toBe(409);
    expect(refused.body.error.code).toBe('PLAT_CONFLICT');
    await db.query(`UPDATE runs SET status = 'succeeded' WHERE id = 'run_busy'`);
    expect((await t.json('DELETE', `/api/workflows/${saved.body.id}`)).status).toBe(204);
    expect((await t.json('GET', `/api/runs/run_busy`)).status).toBe(404);
  });
});
