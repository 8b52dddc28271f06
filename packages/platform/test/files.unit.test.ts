import { createHash, randomBytes } from 'node:crypto';
import { request as httpRequest } from 'node:http';
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { pino } from 'pino';
import { request } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadPlatformConfig } from '../src/config.ts';
import type { Database } from '../src/db/database.ts';
import { createFileStore, type FileStore } from '../src/files/file-store.ts';
import { filesRoutes } from '../src/files/files.routes.ts';
import { pluginServerFilesRoutes } from '../src/files/plugin-server-files.routes.ts';
import { createHttpApp, type PlatformApp } from '../src/http/app.ts';
import { createCallTokens } from '../src/runs/call-tokens.ts';
import { grantRunFile } from '../src/files/run-file-access.ts';
import { insertRun, openTestDatabase, TEST_DATABASE_KINDS } from './helpers/test-database.ts';

const USER_TOKEN = 'user-token-0123456789abcdef';
const SERVER_KEY = 'plugin-server-key-0123456789';
const MAX_BYTES = 8 * 1024 * 1024;
const TOKEN_SECRET = 'files-test-token-secret-0123456789abcdef';

const sha256 = (bytes: Buffer) => createHash('sha256').update(bytes).digest('hex');

/** The bytes as a chunked body: no content-length, so only the stream can enforce the limit. */
function chunked(bytes: Buffer, chunk = 256 * 1024): Readable {
  return Readable.from(
    (function* () {
      for (let at = 0; at < bytes.length; at += chunk) {
        yield bytes.subarray(at, at + chunk);
      }
    })(),
  );
}

interface Envelope {
  error: { code: string; kind: string; message: string; retryable: boolean };
}

describe.each(TEST_DATABASE_KINDS)('files (%s)', (kind) => {
  let db: Database;
  let cleanup: () => Promise<void>;
  let dataDir: string;
  let filesDir: string;
  let files: FileStore;
  let app: PlatformApp;
  let base: string;

  const send = (
    path: string,
    options: {
      method?: 'GET' | 'POST';
      headers?: Record<string, string>;
      body?: Readable | Buffer | string;
      auth?: string | null;
    } = {},
  ) =>
    request(`${base}${path}`, {
      method: options.method ?? 'GET',
      headers: {
        ...(options.auth === null ? {} : { authorization: `Bearer ${options.auth ?? USER_TOKEN}` }),
        ...options.headers,
      },
      body: options.body ?? null,
    });

  const fileRows = async () =>
    (await db.query<{ n: number }>('SELECT count(*)::int AS n FROM files'))[0]?.n ?? -1;

  beforeAll(async () => {
    ({ db, cleanup } = await openTestDatabase(kind));
    dataDir = await mkdtemp(join(tmpdir(), 'plugboard-platform-files-'));
    const config = loadPlatformConfig(
      {},
      {
        dataDir,
        apiTokens: [USER_TOKEN],
        secretKey: 'secret-key-secret-key-secret-key-0123',
        pluginServerUrl: 'http://127.0.0.1:1',
        pluginServerApiKey: 'platform-to-server-key',
        platformApiKeys: [SERVER_KEY],
        webhookSecret: 'webhook-secret-0123456789abc',
        limits: { maxUploadBytes: MAX_BYTES },
      },
    );
    filesDir = join(config.dataDir, 'files');
    files = createFileStore({ db, dir: filesDir, maxBytes: config.limits.maxUploadBytes });
    app = await createHttpApp(config, pino({ level: 'silent' }));
    await app.register(filesRoutes, { files });
    await app.register(pluginServerFilesRoutes, {
      db,
      files,
      callTokens: createCallTokens({ db, secretKey: TOKEN_SECRET, ttlMs: 60_000 }),
    });
    await app.listen({ port: 0, host: '127.0.0.1' });
    base = `http://127.0.0.1:${String((app.server.address() as AddressInfo).port)}`;
    await insertRun(db, 'run_a');
    await insertRun(db, 'run_b');
  });
  afterAll(async () => {
    await app.close();
    await cleanup();
    await rm(dataDir, { recursive: true, force: true });
  });

  describe('users', () => {
    it('stores a multi-MB streamed upload and gives the same bytes back', async () => {
      const bytes = randomBytes(6 * 1024 * 1024 + 123);
      const name = 'résumé (final)*.pdf';
      const stored = await send('/api/files', {
        method: 'POST',
        headers: {
          'content-type': 'application/pdf',
          'x-plugboard-file-name': encodeURIComponent(name),
        },
        body: chunked(bytes),
      });
      expect(stored.statusCode).toBe(201);
      const ref = (await stored.body.json()) as { id: string };
      expect(ref).toEqual({
        id: expect.stringMatching(/^file_[A-Za-z0-9_-]{22}$/) as unknown,
        name,
        contentType: 'application/pdf',
        size: bytes.length,
      });

      const back = await send(`/api/files/${ref.id}`);
      expect(back.statusCode).toBe(200);
      expect(back.headers['content-type']).toBe('application/pdf');
      expect(back.headers['content-length']).toBe(String(bytes.length));
      expect(back.headers['content-disposition']).toBe(
        `attachment; filename="r_sum_ (final)*.pdf"; filename*=UTF-8''r%C3%A9sum%C3%A9%20%28final%29%2A.pdf`,
      );
      expect(sha256(Buffer.from(await back.body.arrayBuffer()))).toBe(sha256(bytes));

      const meta = await send(`/api/files/${ref.id}/meta`);
      expect(await meta.body.json()).toMatchObject({
        id: ref.id,
        size: bytes.length,
        sha256: sha256(bytes),
        createdBy: 'user',
      });
    });

    it('keeps a JSON body as a file, named from ?name=', async () => {
      const stored = await send(`/api/files?name=${encodeURIComponent('data set.json')}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: '{"not":"parsed"}',
      });
      expect(stored.statusCode).toBe(201);
      const ref = (await stored.body.json()) as { id: string; name: string };
      expect(ref.name).toBe('data set.json');
      const back = await send(`/api/files/${ref.id}`);
      expect(await back.body.text()).toBe('{"not":"parsed"}');
    });

    it('refuses a streamed upload over the limit with 413 and keeps nothing', async () => {
      const rowsBefore = await fileRows();
      const onDisk = (await readdir(filesDir)).length;
      const answer = await send('/api/files', {
        method: 'POST',
        headers: { 'content-type': 'application/octet-stream' },
        body: chunked(randomBytes(MAX_BYTES + 512 * 1024)),
      });
      expect(answer.statusCode).toBe(413);
      const envelope = (await answer.body.json()) as Envelope;
      expect(envelope.error).toMatchObject({
        code: 'PLAT_PAYLOAD_TOO_LARGE',
        kind: 'user',
        retryable: false,
      });
      expect(await fileRows()).toBe(rowsBefore);
      expect((await readdir(filesDir)).length).toBe(onDisk);
    });

    it('refuses a declared length over the limit before any byte is sent', async () => {
      const { port } = new URL(base);
      const answer = await new Promise<{ status: number; body: string }>((resolve, reject) => {
        const req = httpRequest({
          host: '127.0.0.1',
          port,
          method: 'POST',
          path: '/api/files',
          headers: {
            authorization: `Bearer ${USER_TOKEN}`,
            'content-type': 'application/octet-stream',
            'content-length': String(MAX_BYTES * 4),
          },
        });
        req.on('response', (res) => {
          let body = '';
          res.setEncoding('utf8');
          res.on('data', (chunk: string) => (body += chunk));
          res.on('end', () => {
            resolve({ status: res.statusCode ?? 0, body });
            req.destroy();
          });
        });
        req.on('error', reject);
        req.flushHeaders();
      });
      expect(answer.status).toBe(413);
      expect((JSON.parse(answer.body) as Envelope).error.code).toBe('PLAT_PAYLOAD_TOO_LARGE');
    });

    it('keeps nothing of an upload the client abandons half-way', async () => {
      const rowsBefore = await fileRows();
      const { port } = new URL(base);
      const req = httpRequest({
        host: '127.0.0.1',
        port,
        method: 'POST',
        path: '/api/files',
        headers: { authorization: `Bearer ${USER_TOKEN}`, 'transfer-encoding': 'chunked' },
      });
      req.on('error', () => undefined);
      req.write(randomBytes(1024 * 1024));
      await new Promise((resolve) => setTimeout(resolve, 200));
      expect((await readdir(filesDir)).filter((f) => f.endsWith('.partial'))).toHaveLength(1);
      req.destroy();
      for (let i = 0; i < 50; i++) {
        if ((await readdir(filesDir)).every((f) => !f.endsWith('.partial'))) {
          break;
        }
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
      expect((await readdir(filesDir)).filter((f) => f.endsWith('.partial'))).toEqual([]);
      expect(await fileRows()).toBe(rowsBefore);
      // The server is still serving.
      const after = await send('/api/files/file_nope');
      expect(after.statusCode).toBe(404);
      await after.body.dump();
    });

    it('answers 401 without the user token or with a wrong one', async () => {
      for (const auth of [null, 'wrong-token-0123456789']) {
        const read = await send('/api/files/file_x', { auth });
        expect(read.statusCode).toBe(401);
        expect(((await read.body.json()) as Envelope).error.code).toBe('PLAT_UNAUTHORIZED');
        const write = await send('/api/files', { method: 'POST', auth, body: 'x' });
        expect(write.statusCode).toBe(401);
        await write.body.dump();
      }
      // The Plugin Server's key is not a user token.
      const asServer = await send('/api/files/file_x', { auth: SERVER_KEY });
      expect(asServer.statusCode).toBe(401);
      await asServer.body.dump();
    });

    it('answers 404 for an unknown file', async () => {
      const answer = await send('/api/files/file_nope');
      expect(answer.statusCode).toBe(404);
      expect(((await answer.body.json()) as Envelope).error.code).toBe('PLAT_FILE_NOT_FOUND');
      const meta = await send('/api/files/file_nope/meta');
      expect(meta.statusCode).toBe(404);
      await meta.body.dump();
    });
  });

  describe('the Plugin Server (file bridge)', () => {
    const bridge = (
      path: string,
      options: {
        token?: string;
        pluginId?: string;
        key?: string;
        method?: 'GET' | 'POST';
        headers?: Record<string, string>;
        body?: Readable | Buffer | string;
      },
    ) =>
      send(path, {
        method: options.method ?? 'GET',
        auth: options.key ?? SERVER_KEY,
        headers: {
          ...(options.token === undefined ? {} : { 'x-plugboard-call-token': options.token }),
          ...(options.pluginId === undefined ? {} : { 'x-plugboard-plugin-id': options.pluginId }),
          ...options.headers,
        },
        ...(options.body === undefined ? {} : { body: options.body }),
      });
    const storeForRun = async (runId: string, content: string) => {
      const file = await files.save(Readable.from([Buffer.from(content)]), {
        name: `${runId}.txt`,
        contentType: 'text/plain',
        createdBy: 'user',
      });
      await grantRunFile(db, runId, file.id);
      return file;
    };
    const tokenFor = (runId: string, pluginId = 'acme', ttlMs = 60_000) =>
      Promise.resolve(
        createCallTokens({ db, secretKey: TOKEN_SECRET, ttlMs }).mint({
          runId,
          nodeId: 'node1',
          pluginId,
        }),
      );

    it('lets a call token read a file of its run', async () => {
      const file = await storeForRun('run_a', 'hello from run a');
      const token = await tokenFor('run_a');
      const answer = await bridge(`/plugin-server/files/${file.id}`, { token, pluginId: 'acme' });
      expect(answer.statusCode).toBe(200);
      expect(answer.headers['content-type']).toBe('text/plain');
      expect(answer.headers['content-length']).toBe('16');
      expect(answer.headers['x-plugboard-file-name']).toBe('run_a.txt');
      expect(await answer.body.text()).toBe('hello from run a');
    });

    it("answers 404 for another run's file, as for an unknown one", async () => {
      const file = await storeForRun('run_b', 'secret of run b');
      const token = await tokenFor('run_a');
      for (const id of [file.id, 'file_unknown']) {
        const answer = await bridge(`/plugin-server/files/${id}`, { token, pluginId: 'acme' });
        expect(answer.statusCode).toBe(404);
        expect(((await answer.body.json()) as Envelope).error.code).toBe('PLAT_FILE_NOT_FOUND');
      }
    });

    it('answers 401 for a wrong key, a bad, expired or missing token, or another plugin', async () => {
      const file = await storeForRun('run_a', 'x');
      const token = await tokenFor('run_a');
      const expired = await tokenFor('run_a', 'acme', 1);
      await new Promise((resolve) => setTimeout(resolve, 20));
      const cases = [
        { token, pluginId: 'acme', key: 'wrong-key-0123456789abcdef' },
        { token, pluginId: 'acme', key: USER_TOKEN },
        { token: 'forged', pluginId: 'acme' },
        { token: expired, pluginId: 'acme' },
        { pluginId: 'acme' },
        { token, pluginId: 'other-plugin' },
        { token },
      ];
      for (const options of cases) {
        const read = await bridge(`/plugin-server/files/${file.id}`, options);
        expect(read.statusCode, JSON.stringify(options)).toBe(401);
        expect(((await read.body.json()) as Envelope).error.code).toBe('PLAT_UNAUTHORIZED');
        const write = await bridge('/plugin-server/files/upload', {
          ...options,
          method: 'POST',
          body: 'data',
        });
        expect(write.statusCode, JSON.stringify(options)).toBe(401);
        await write.body.dump();
      }
    });

    it("stores a plugin's upload as its run's file", async () => {
      const token = await tokenFor('run_a');
      const bytes = randomBytes(3 * 1024 * 1024);
      const answer = await bridge('/plugin-server/files/upload', {
        token,
        pluginId: 'acme',
        method: 'POST',
        headers: {
          'content-type': 'image/png',
          'x-plugboard-file-name': encodeURIComponent('chart ✓.png'),
        },
        body: chunked(bytes),
      });
      expect(answer.statusCode).toBe(201);
      const ref = (await answer.body.json()) as { id: string };
      expect(ref).toMatchObject({
        name: 'chart ✓.png',
        contentType: 'image/png',
        size: bytes.length,
      });

      const [row] = await db.query<{ created_by: string; run_id: string; sha256: string }>(
        'SELECT created_by, run_id, sha256 FROM files WHERE id = $1',
        [ref.id],
      );
      expect(row).toEqual({ created_by: 'plugin:acme', run_id: 'run_a', sha256: sha256(bytes) });
      const granted = await db.query('SELECT run_id FROM run_files WHERE file_id = $1', [ref.id]);
      expect(granted).toEqual([{ run_id: 'run_a' }]);

      const back = await bridge(`/plugin-server/files/${ref.id}`, { token, pluginId: 'acme' });
      expect(back.headers['x-plugboard-file-name']).toBe(encodeURIComponent('chart ✓.png'));
      expect(sha256(Buffer.from(await back.body.arrayBuffer()))).toBe(sha256(bytes));

      const otherRun = await bridge(`/plugin-server/files/${ref.id}`, {
        token: await tokenFor('run_b'),
        pluginId: 'acme',
      });
      expect(otherRun.statusCode).toBe(404);
      await otherRun.body.dump();
    });

    it('refuses an oversize plugin upload with 413 and records nothing', async () => {
      const token = await tokenFor('run_a');
      const rowsBefore = await fileRows();
      const answer = await bridge('/plugin-server/files/upload', {
        token,
        pluginId: 'acme',
        method: 'POST',
        body: chunked(randomBytes(MAX_BYTES + 1024)),
      });
      expect(answer.statusCode).toBe(413);
      expect(((await answer.body.json()) as Envelope).error.code).toBe('PLAT_PAYLOAD_TOO_LARGE');
      expect(await fileRows()).toBe(rowsBefore);
      expect((await readdir(filesDir)).filter((f) => f.endsWith('.partial'))).toEqual([]);
    });
  });
});
