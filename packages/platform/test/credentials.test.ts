import { mkdtemp, rm } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { loadPlatformConfig } from '../src/config.ts';
import { createCredentialChecks } from '../src/credentials/credential-checks.ts';
import { credentialsForExecution } from '../src/credentials/credentials-for-execution.ts';
import { CredentialsRepository } from '../src/credentials/credentials-repository.ts';
import { credentialsRoutes } from '../src/credentials/credentials.routes.ts';
import type { Database } from '../src/db/database.ts';
import { PlatformError } from '../src/errors.ts';
import { createHttpApp, type PlatformApp } from '../src/http/app.ts';
import {
  createPluginServerClient,
  type PluginServerClient,
} from '../src/plugin-server/plugin-server-client.ts';
import { createSecretBox } from '../src/secrets/secret-box.ts';
import { openTestDatabase, TEST_DATABASE_KINDS } from './helpers/test-database.ts';

const USER_TOKEN = 'user-token-0123456789abcdef';
const SERVER_API_KEY = 'platform-to-server-key-0123';
const GOOD_KEY = 'sk-live-THE-PLAINTEXT-SECRET-41';
const OTHER_GOOD_KEY = 'sk-live-ANOTHER-PLAINTEXT-SECRET-42';

// As the SDK writes them: zod → JSON Schema draft 2020-12.
const githubCredentials = z.toJSONSchema(
  z.object({ apiKey: z.string().min(8), region: z.enum(['eu', 'us']) }).strict(),
  { io: 'input', target: 'draft-2020-12' },
);
const slackCredentials = z.toJSONSchema(z.object({ botToken: z.string() }), {
  io: 'input',
  target: 'draft-2020-12',
});

interface Envelope {
  error: { code: string; message: string; details?: Record<string, unknown> };
}

/** The Plugin Server's forwarded ready route: keys in `valid` are ready, others are not. */
interface FakePluginServer {
  readonly url: string;
  readonly valid: Set<string>;
  readonly calls: { path: string; body: unknown; authorization: string | undefined }[];
  close(): Promise<void>;
}

async function startFakePluginServer(): Promise<FakePluginServer> {
  const valid = new Set([GOOD_KEY, OTHER_GOOD_KEY]);
  const calls: FakePluginServer['calls'] = [];
  const server: Server = createServer((req, res) => {
    let text = '';
    req.setEncoding('utf8');
    req.on('data', (chunk: string) => (text += chunk));
    req.on('end', () => {
      const body = JSON.parse(text || '{}') as { credentials?: Record<string, unknown> };
      calls.push({ path: req.url ?? '', body, authorization: req.headers.authorization });
      const ready = /^\/plugins\/[^/]+\/integrations\/[^/]+\/ready$/.test(req.url ?? '');
      res.writeHead(ready ? 200 : 404, { 'content-type': 'application/json' });
      const credentials = body.credentials ?? {};
      const key = credentials['apiKey'] ?? credentials['botToken'];
      res.end(
        JSON.stringify(
          !ready
            ? { error: { code: 'PSRV_NOT_FOUND', kind: 'user', message: 'no', retryable: false } }
            : typeof key === 'string' && valid.has(key)
              ? { ready: true }
              : { ready: false, message: 'the API says this key is revoked' },
        ),
      );
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${String((server.address() as AddressInfo).port)}`,
    valid,
    calls,
    close: () =>
      new Promise((resolve) => {
        server.close(() => {
          resolve();
        });
      }),
  };
}

describe.each(TEST_DATABASE_KINDS)('credentials (%s)', (kind) => {
  let db: Database;
  let cleanup: () => Promise<void>;
  let dataDir: string;
  let fake: FakePluginServer;
  let pluginServer: PluginServerClient;
  let repo: CredentialsRepository;
  let app: PlatformApp;

  const call = async (
    method: 'GET' | 'POST' | 'PUT' | 'DELETE',
    url: string,
    payload?: unknown,
    auth: string | null = USER_TOKEN,
  ) => {
    const answer = await app.inject({
      method,
      url,
      headers: auth === null ? {} : { authorization: `Bearer ${auth}` },
      ...(payload === undefined ? {} : { payload: payload as Record<string, unknown> }),
    });
    return { status: answer.statusCode, text: answer.body, json: () => answer.json<unknown>() };
  };
  const create = (integration: string, name: string, data: Record<string, unknown>) =>
    call('POST', `/api/plugins/acme/integrations/${integration}/credentials`, { name, data });
  const rowCount = async () =>
    (await db.query<{ n: number }>('SELECT count(*)::int AS n FROM credentials'))[0]?.n ?? -1;

  beforeAll(async () => {
    ({ db, cleanup } = await openTestDatabase(kind));
    dataDir = await mkdtemp(join(tmpdir(), 'plugboard-platform-credentials-'));
    fake = await startFakePluginServer();
    const config = loadPlatformConfig(
      {},
      {
        dataDir,
        apiTokens: [USER_TOKEN],
        secretKey: 'secret-key-secret-key-secret-key-0123',
        pluginServerUrl: fake.url,
        pluginServerApiKey: SERVER_API_KEY,
        platformApiKeys: ['plugin-server-key-0123456789'],
        webhookSecret: 'webhook-secret-0123456789abc',
      },
    );
    pluginServer = createPluginServerClient({
      url: config.pluginServerUrl,
      apiKey: config.pluginServerApiKey,
    });
    repo = new CredentialsRepository(db, createSecretBox(config.secretKey));
    app = await createHttpApp(config, pino({ level: 'silent' }));
    await app.register(credentialsRoutes, {
      credentials: repo,
      checks: createCredentialChecks({ db, pluginServer }),
    });
    await app.ready();
    const manifest = {
      integrations: [
        { name: 'github', displayName: 'GitHub', credentials: githubCredentials },
        { name: 'slack', displayName: 'Slack', credentials: slackCredentials },
      ],
    };
    await db.query(
      `INSERT INTO plugins (id, status, source, manifest) VALUES
         ('acme', 'running', '{"type":"local"}'::jsonb, $1::jsonb),
         ('other', 'running', '{"type":"local"}'::jsonb, $1::jsonb),
         ('fresh', 'installing', '{"type":"local"}'::jsonb, NULL)`,
      [JSON.stringify(manifest)],
    );
  });
  beforeEach(async () => {
    await db.query('DELETE FROM credentials');
    fake.calls.length = 0;
  });
  afterAll(async () => {
    await app.close();
    await pluginServer.close();
    await fake.close();
    await cleanup();
    await rm(dataDir, { recursive: true, force: true });
  });

  it('stores credentials the plugin accepts, sealed, and never shows them', async () => {
    const created = await create('github', 'work', { apiKey: GOOD_KEY, region: 'eu' });
    expect(created.status).toBe(201);
    expect(created.json()).toEqual({
      id: expect.stringMatching(/^cred_/) as unknown,
      pluginId: 'acme',
      integration: 'github',
      name: 'work',
      createdAt: expect.any(String) as unknown,
      updatedAt: expect.any(String) as unknown,
      ready: true,
    });
    expect(created.text).not.toContain(GOOD_KEY);
    expect(fake.calls).toEqual([
      {
        path: '/plugins/acme/integrations/github/ready',
        body: { credentials: { apiKey: GOOD_KEY, region: 'eu' } },
        authorization: `Bearer ${SERVER_API_KEY}`,
      },
    ]);

    const rows = await db.query('SELECT * FROM credentials');
    expect(rows).toHaveLength(1);
    expect(JSON.stringify(rows)).not.toContain(GOOD_KEY);
    expect(JSON.stringify(rows)).not.toContain('apiKey');

    const { id } = created.json() as { id: string };
    for (const answer of [
      await call('GET', '/api/credentials'),
      await call('GET', '/api/credentials?pluginId=acme'),
      await call('GET', `/api/credentials/${id}`),
      await call('POST', `/api/credentials/${id}/test`),
    ]) {
      expect(answer.status).toBe(200);
      expect(answer.text).not.toContain(GOOD_KEY);
    }
    expect(
      ((await call('GET', '/api/credentials?pluginId=acme')).json() as { credentials: unknown[] })
        .credentials,
    ).toHaveLength(1);
    expect(
      ((await call('GET', '/api/credentials?pluginId=other')).json() as { credentials: unknown[] })
        .credentials,
    ).toHaveLength(0);
  });

  it('refuses data that does not match the schema, naming every field, and stores nothing', async () => {
    const answer = await create('github', 'bad', { apiKey: 'short', extra: 1 });
    expect(answer.status).toBe(422);
    const envelope = answer.json() as Envelope;
    expect(envelope.error.code).toBe('PLAT_CREDENTIALS_REJECTED');
    const issues = (envelope.error.details?.['issues'] ?? []) as { path: string[] }[];
    expect(issues.map((i) => i.path.join('.')).sort()).toEqual(['apiKey', 'extra', 'region']);
    expect(fake.calls).toEqual([]);
    expect(await rowCount()).toBe(0);
  });

  it('refuses credentials the ready check rejects, with its message, and stores nothing', async () => {
    const answer = await create('github', 'revoked', { apiKey: 'sk-revoked-000', region: 'us' });
    expect(answer.status).toBe(422);
    const envelope = answer.json() as Envelope;
    expect(envelope.error.code).toBe('PLAT_CREDENTIALS_REJECTED');
    expect(envelope.error.message).toContain('the API says this key is revoked');
    expect(answer.text).not.toContain('sk-revoked-000');
    expect(await rowCount()).toBe(0);
  });

  it('checks the plugin and its integration first', async () => {
    const codes = async (url: string) =>
      ((await call('POST', url, { name: 'n', data: {} })).json() as Envelope).error.code;
    expect(await codes('/api/plugins/ghost/integrations/github/credentials')).toBe(
      'PLAT_PLUGIN_NOT_FOUND',
    );
    expect(await codes('/api/plugins/fresh/integrations/github/credentials')).toBe(
      'PLAT_PLUGIN_NOT_READY',
    );
    expect(await codes('/api/plugins/acme/integrations/jira/credentials')).toBe('PLAT_NOT_FOUND');
    expect(fake.calls).toEqual([]);
  });

  it('refuses a second set of the same name', async () => {
    expect((await create('github', 'work', { apiKey: GOOD_KEY, region: 'eu' })).status).toBe(201);
    const again = await create('github', 'work', { apiKey: GOOD_KEY, region: 'eu' });
    expect(again.status).toBe(409);
    expect((again.json() as Envelope).error.code).toBe('PLAT_CONFLICT');
  });

  it('re-tests, replaces (with the same checks) and deletes', async () => {
    const { id } = (await create('github', 'work', { apiKey: GOOD_KEY, region: 'eu' })).json() as {
      id: string;
    };
    expect((await call('POST', `/api/credentials/${id}/test`)).json()).toEqual({ id, ready: true });
    fake.valid.delete(GOOD_KEY);
    expect((await call('POST', `/api/credentials/${id}/test`)).json()).toEqual({
      id,
      ready: false,
      message: 'the API says this key is revoked',
    });
    fake.valid.add(GOOD_KEY);

    const invalid = await call('PUT', `/api/credentials/${id}`, { data: { apiKey: 1 } });
    expect(invalid.status).toBe(422);
    const opened = await repo.open(id);
    expect(opened?.data).toEqual({ apiKey: GOOD_KEY, region: 'eu' });

    const replaced = await call('PUT', `/api/credentials/${id}`, {
      data: { apiKey: OTHER_GOOD_KEY, region: 'us' },
    });
    expect(replaced.status).toBe(200);
    expect(replaced.json()).toMatchObject({ id, ready: true });
    expect(replaced.text).not.toContain(OTHER_GOOD_KEY);
    expect((await repo.open(id))?.data).toEqual({ apiKey: OTHER_GOOD_KEY, region: 'us' });

    expect((await call('DELETE', `/api/credentials/${id}`)).status).toBe(204);
    expect((await call('DELETE', `/api/credentials/${id}`)).status).toBe(404);
    expect((await call('POST', `/api/credentials/${id}/test`)).status).toBe(404);
    expect(((await call('GET', `/api/credentials/${id}`)).json() as Envelope).error.code).toBe(
      'PLAT_CREDENTIAL_NOT_FOUND',
    );
  });

  it('answers 401 without the user token', async () => {
    expect((await call('GET', '/api/credentials', undefined, null)).status).toBe(401);
    expect(
      (
        await call(
          'POST',
          '/api/plugins/acme/integrations/github/credentials',
          {},
          'wrong-0123456789',
        )
      ).status,
    ).toBe(401);
  });

  describe('credentialsForExecution', () => {
    it('gives a node only the integrations it declares: chosen, else the latest', async () => {
      const older = await repo.create({
        pluginId: 'acme',
        integration: 'github',
        name: 'older',
        data: { apiKey: 'older-key' },
      });
      await repo.create({
        pluginId: 'acme',
        integration: 'github',
        name: 'newer',
        data: { apiKey: 'newer-key' },
      });
      // PGlite's clock is coarse: two rows written in a row can share a timestamp.
      await db.query(
        "UPDATE credentials SET updated_at = updated_at - interval '1 minute' WHERE id = $1",
        [older.id],
      );
      const slack = await repo.create({
        pluginId: 'acme',
        integration: 'slack',
        name: 'team',
        data: { botToken: 'xoxb' },
      });
      await repo.create({
        pluginId: 'other',
        integration: 'github',
        name: 'theirs',
        data: { apiKey: 'their-key' },
      });

      expect(
        await credentialsForExecution(repo, { pluginId: 'acme', integrations: ['github'] }),
      ).toEqual({ github: { apiKey: 'newer-key' } });
      expect(
        await credentialsForExecution(repo, {
          pluginId: 'acme',
          integrations: ['github', 'jira'],
          chosen: { github: older.id, slack: slack.id },
        }),
      ).toEqual({ github: { apiKey: 'older-key' } });
      expect(await credentialsForExecution(repo, { pluginId: 'acme', integrations: [] })).toEqual(
        {},
      );
      expect(
        await credentialsForExecution(repo, { pluginId: 'nobody', integrations: ['github'] }),
      ).toEqual({});
    });

    it('refuses a chosen credential of another integration or plugin', async () => {
      const slack = await repo.create({
        pluginId: 'acme',
        integration: 'slack',
        name: 'team',
        data: { botToken: 'xoxb' },
      });
      const theirs = await repo.create({
        pluginId: 'other',
        integration: 'github',
        name: 'theirs',
        data: { apiKey: 'their-key' },
      });
      for (const chosen of [slack.id, theirs.id, 'cred_missing']) {
        const error = await credentialsForExecution(repo, {
          pluginId: 'acme',
          integrations: ['github'],
          chosen: { github: chosen },
        }).catch((e: unknown) => e);
        expect(error).toBeInstanceOf(PlatformError);
        expect((error as PlatformError).code).toBe('PLAT_CREDENTIAL_NOT_FOUND');
      }
    });
  });
});
