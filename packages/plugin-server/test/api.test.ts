// The API surface: keys (with rotation), the error envelope, OpenAPI, configuration errors.
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { errorEnvelopeSchema } from '@plugboard/protocol';
import { loadServerConfig } from '../src/index.ts';
import { API_KEY, startTestServer, type TestServer } from './helpers/test-server.ts';

const SECOND_KEY = 'rotated-key-abcdefghijklmnop';
let server: TestServer;
beforeAll(async () => {
  server = await startTestServer({ apiKeys: [API_KEY, SECOND_KEY] });
});
afterAll(async () => {
  await server.close();
});

describe('API keys', () => {
  it('lets /health through without a key and refuses everything else without one', async () => {
    expect((await fetch(`${server.url}/health`)).status).toBe(200);
    for (const path of ['/plugins', '/plugins/x', '/plugins/x/logs']) {
      for (const header of [undefined, 'Bearer wrong', `Bearer ${API_KEY}x`, API_KEY, 'Bearer ']) {
        const response = await fetch(
          `${server.url}${path}`,
          header === undefined ? {} : { headers: { authorization: header } },
        );
        expect(response.status).toBe(401);
        expect(errorEnvelopeSchema.parse(await response.json()).error.code).toBe(
          'PSRV_UNAUTHORIZED',
        );
      }
    }
    const forward = await fetch(`${server.url}/plugins/x/nodes/y/execute`, {
      method: 'POST',
      body: '{}',
    });
    expect(forward.status).toBe(401);
  });

  it('accepts both keys during a rotation', async () => {
    for (const key of [API_KEY, SECOND_KEY]) {
      expect(
        (await fetch(`${server.url}/plugins`, { headers: { authorization: `Bearer ${key}` } }))
          .status,
      ).toBe(200);
    }
  });
});

describe('errors', () => {
  it('answers bad input with the envelope and every failing path', async () => {
    const response = await server.json<{
      error: { code: string; details: { issues: { path: string[] }[] } };
    }>('POST', '/plugins/p1/install', {
      source: { type: 'git' },
    });
    expect(response.status).toBe(400);
    expect(response.body.error.code).toBe('PSRV_BAD_REQUEST');
    const bad = await server.json<{ error: { code: string } }>(
      'POST',
      '/plugins/Not_An..Id/install',
      { source: { type: 'local', path: '/tmp' } },
    );
    expect(bad.status).toBe(400);
    expect((await server.json('GET', '/nowhere')).status).toBe(404);
    const missing = await server.json<{ error: { code: string } }>('GET', '/plugins/ghost');
    expect(missing.body.error.code).toBe('PSRV_PLUGIN_NOT_FOUND');
    // Fastify's and Node's own refusals carry the envelope too.
    for (const [path, status] of [
      [`/plugins/${'x'.repeat(300)}`, 400],
      ['/plugins/%E0%A4%A', 400],
      [`/plugins?${'q'.repeat(20_000)}`, 431],
    ] as const) {
      const response = await server.call('GET', path);
      expect(response.status).toBe(status);
      expect(((await response.json()) as { error: { code: string } }).error.code).toBe(
        'PSRV_BAD_REQUEST',
      );
    }
  });

  it('refuses a source it will never take with 400 before recording anything', async () => {
    const prod = await startTestServer({ devMode: false });
    try {
      const refused: [unknown, string, string][] = [
        [{ type: 'local', path: '/tmp' }, 'PSRV_SOURCE_REFUSED', 'dev mode'],
        [{ type: 'git', url: 'http://git.example.com/x.git' }, 'PSRV_BAD_REQUEST', 'plain http'],
        [{ type: 'git', url: 'ext::sh' }, 'PSRV_BAD_REQUEST', 'ext::'],
        [{ type: 'marketplace', name: 'x' }, 'PSRV_SOURCE_REFUSED', 'no marketplace'],
      ];
      for (const [source, code, words] of refused) {
        const answer = await prod.json<{ error: { code: string; message: string } }>(
          'POST',
          '/plugins/p2/install',
          { source },
        );
        expect(answer.status).toBe(400);
        expect(answer.body.error.code).toBe(code);
        expect(answer.body.error.message).toContain(words);
        expect((await prod.call('GET', '/plugins/p2')).status).toBe(404);
      }
    } finally {
      await prod.close();
    }
  });
});

describe('OpenAPI', () => {
  it('serves the document at /docs with the routes and their schemas', async () => {
    const response = await fetch(`${server.url}/docs/json`);
    expect(response.status).toBe(200);
    const doc = (await response.json()) as { openapi: string; paths: Record<string, unknown> };
    expect(doc.openapi).toMatch(/^3\./);
    expect(Object.keys(doc.paths)).toEqual(
      expect.arrayContaining([
        '/plugins',
        '/plugins/{id}',
        '/plugins/{id}/install',
        '/plugins/{id}/nodes/{name}/execute',
        '/plugins/{id}/logs',
        '/uploads',
      ]),
    );
    expect((await fetch(`${server.url}/docs`)).status).toBe(200);
  });
});

describe('configuration', () => {
  it('reports every problem at once', () => {
    expect(() =>
      loadServerConfig({
        PLUGBOARD_SERVER_PORT: 'eighty',
        PLUGBOARD_SERVER_API_KEYS: 'short',
        PLUGBOARD_PLATFORM_URL: 'not a url',
      }),
    ).toThrow(/port[\s\S]*API keys must be at least 16 characters[\s\S]*platformUrl/);
    expect(() => loadServerConfig({})).toThrow(/apiKeys/);
  });

  it('reads secrets from _FILE variables', async () => {
    const file = join(await mkdtemp(join(tmpdir(), 'cfg-')), 'keys');
    await writeFile(file, `${API_KEY},${SECOND_KEY}\n`);
    expect(loadServerConfig({ PLUGBOARD_SERVER_API_KEYS_FILE: file }).apiKeys).toEqual([
      API_KEY,
      SECOND_KEY,
    ]);
  });
});
