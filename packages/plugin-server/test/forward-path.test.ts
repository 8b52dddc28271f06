// The lean path the forwarded calls take in front of Fastify keeps what the routes gave them: the
// API key, the body limit, the error envelope, the manifest check; and leaves every URL it does
// not take (a query string, a bad escape, another method) to Fastify's routes.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fixtureFolder } from './helpers/fixture-package.ts';
import { API_KEY, startTestServer, type TestServer } from './helpers/test-server.ts';

let server: TestServer;

beforeAll(async () => {
  server = await startTestServer({ limits: { maxBodyBytes: 4096 } });
  await server.call('POST', '/plugins/faulty/install', {
    source: { type: 'local', path: await fixtureFolder() },
  });
  await server.waitFor('faulty', (v) => v?.status === 'running');
}, 60_000);
afterAll(async () => {
  await server.close();
});

const execute = '/plugins/faulty/nodes/echo/execute';
const send = (path: string, init: RequestInit = {}) =>
  fetch(`${server.url}${path}`, {
    method: 'POST',
    headers: { authorization: `Bearer ${API_KEY}`, 'content-type': 'application/json' },
    body: JSON.stringify({ inputs: { text: 'hi' } }),
    ...init,
  });
const errorOf = async (response: Response) =>
  ((await response.json()) as { error: { code: string; retryable: boolean } }).error;

describe('the forwarding path', () => {
  it('forwards with the key, and refuses without it with the envelope', async () => {
    const ok = await send(execute);
    expect(ok.status).toBe(200);
    expect(await ok.json()).toMatchObject({ outputs: { text: 'hi' } });
    for (const authorization of ['Bearer wrong-key-wrong-key', '']) {
      const refused = await send(execute, {
        headers: { authorization, 'content-type': 'application/json' },
      });
      expect(refused.status).toBe(401);
      expect(refused.headers.get('content-type')).toContain('application/json');
      expect((await errorOf(refused)).code).toBe('PSRV_UNAUTHORIZED');
    }
  });

  it('refuses a body over the limit, and a node the manifest does not declare', async () => {
    const big = await send(execute, {
      body: JSON.stringify({ inputs: { text: 'x'.repeat(5000) } }),
    });
    expect(big.status).toBe(413);
    expect((await errorOf(big)).code).toBe('PSRV_PAYLOAD_TOO_LARGE');
    const unknown = await send('/plugins/faulty/nodes/nope/execute');
    expect(unknown.status).toBe(404);
    expect((await errorOf(unknown)).code).toBe('PSRV_NODE_NOT_FOUND');
    // The connection stays usable after a refused body.
    expect((await send(execute)).status).toBe(200);
  });

  it('leaves other URLs to the routes: a query string, a bad escape, another method', async () => {
    expect((await send(`${execute}?trace=1`)).status).toBe(200);
    const badEscape = await send('/plugins/faulty/nodes/%E0%A4%A/execute');
    expect(badEscape.status).toBe(400);
    expect((await errorOf(badEscape)).code).toBe('PSRV_BAD_REQUEST');
    const get = await send(execute, { method: 'GET', body: null });
    expect(get.status).toBe(404);
    expect((await errorOf(get)).code).toBe('PSRV_NOT_FOUND');
  });
});
