import assert from 'node:assert/strict';
import { once } from 'node:events';
import type { Server } from 'node:http';
import { after, before, describe, it } from 'node:test';
import { createTestHarness } from '@plugboard/sdk/testing';
import plugin, { authenticatedRequest, request } from '../src/index.ts';
import { echo, json, listen } from './servers.ts';

let main: { server: Server; base: string };
let other: { server: Server; base: string };
let base: string;

before(async () => {
  // A second server is another origin (another port): redirects there must not carry credentials.
  other = await listen((req, body, res) => {
    json(res, 200, echo(req, body));
  });
  main = await listen((req, body, res) => {
    const path = new URL(req.url ?? '/', 'http://x').pathname;
    switch (path) {
      case '/text':
        res.writeHead(200, { 'content-type': 'text/plain', 'set-cookie': ['a=1', 'b=2'] });
        res.end('plain words');
        return;
      case '/empty':
        res.writeHead(204);
        res.end();
        return;
      case '/bad-json':
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end('{not json');
        return;
      case '/redirect':
        res.writeHead(302, { location: '/echo?from=redirect' });
        res.end();
        return;
      case '/see-other':
        res.writeHead(303, { location: '/echo' });
        res.end();
        return;
      case '/away':
        res.writeHead(307, { location: `${other.base}/landed` });
        res.end();
        return;
      case '/loop':
        res.writeHead(302, { location: '/loop' });
        res.end();
        return;
      case '/to-file-scheme':
        res.writeHead(302, { location: 'file:///etc/passwd' });
        res.end();
        return;
      case '/fail':
        json(res, 503, { error: 'down for maintenance' });
        return;
      case '/missing':
        json(res, 404, { error: 'no such thing' });
        return;
      case '/slow':
        setTimeout(() => {
          if (!res.destroyed) {
            res.end('late');
          }
        }, 2_000).unref();
        return;
      case '/big':
        res.writeHead(200, { 'content-type': 'text/plain' });
        res.end('x'.repeat(5_000));
        return;
      case '/download':
        res.writeHead(200, {
          'content-type': 'application/octet-stream',
          'content-disposition': 'attachment; filename="report 2024.bin"',
        });
        res.end(Buffer.from([0, 1, 2, 255]));
        return;
      case '/me': {
        const good =
          req.headers.authorization === 'Bearer good' || req.headers['x-api-key'] === 'good';
        json(res, good ? 200 : 401, { good });
        return;
      }
      default:
        json(res, 200, echo(req, body));
    }
  });
  base = main.base;
});

after(() => {
  main.server.closeAllConnections();
  other.server.closeAllConnections();
  main.server.close();
  other.server.close();
});

// The test servers listen on loopback, which requests reach only when the plugin's config allows
// private networks (test/destinations.test.ts covers the refusals).
const harness = createTestHarness(plugin, { pluginConfig: { allowPrivateNetworks: true } });

describe('request', () => {
  it('sends a GET with query and headers and parses the JSON answer', async () => {
    const result = await harness.execute(request, {
      url: `${base}/echo?keep=1`,
      query: { q: 'a b', tag: ['x', 2], flag: true },
      headers: { accept: 'application/json', 'x-trace': 't1' },
    });
    assert.equal(result.status, 200);
    assert.equal(result.ok, true);
    assert.equal(result.statusText, 'OK');
    assert.match(result.headers['content-type'] ?? '', /application\/json/);
    const body = result.body as ReturnType<typeof echo>;
    assert.equal(body.method, 'GET');
    assert.equal(body.path, '/echo?keep=1&q=a+b&tag=x&tag=2&flag=true');
    assert.equal(body.headers['x-trace'], 't1');
  });

  it('sends JSON, text and form bodies with a matching content type', async () => {
    const send = async (bodyType: string, body: unknown, headers?: Record<string, string>) =>
      (
        await harness.execute(
          request,
          { url: `${base}/echo`, body, ...(headers === undefined ? {} : { headers }) },
          { config: { method: 'POST', bodyType } },
        )
      ).body as ReturnType<typeof echo>;
    const sentJson = await send('json', { a: [1, true, null] });
    assert.equal(sentJson.body, '{"a":[1,true,null]}');
    assert.equal(sentJson.headers['content-type'], 'application/json');
    const sentText = await send('text', 'hello', { 'content-type': 'text/csv' });
    assert.equal(sentText.body, 'hello');
    assert.equal(sentText.headers['content-type'], 'text/csv');
    const sentForm = await send('form', { name: 'Ada L', n: 3 });
    assert.equal(sentForm.body, 'name=Ada+L&n=3');
    assert.equal(sentForm.headers['content-type'], 'application/x-www-form-urlencoded');
  });

  it('returns text bodies, joins repeated headers, and gives null for an empty body', async () => {
    const text = await harness.execute(request, { url: `${base}/text` });
    assert.equal(text.body, 'plain words');
    assert.equal(text.headers['set-cookie'], 'a=1, b=2');
    const empty = await harness.execute(request, { url: `${base}/empty` });
    assert.equal(empty.status, 204);
    assert.equal(empty.body, null);
    const forcedText = await harness.execute(
      request,
      { url: `${base}/echo` },
      { config: { responseType: 'text' } },
    );
    assert.equal(typeof forcedText.body, 'string');
  });

  it('falls back to text for broken JSON in auto mode, and fails in json mode', async () => {
    const auto = await harness.execute(request, { url: `${base}/bad-json` });
    assert.equal(auto.body, '{not json');
    await assert.rejects(
      harness.execute(request, { url: `${base}/bad-json` }, { config: { responseType: 'json' } }),
      { code: 'INVALID_JSON_RESPONSE' },
    );
  });

  it('follows redirects (303 turns POST into GET) unless told not to', async () => {
    const followed = await harness.execute(request, { url: `${base}/redirect` });
    assert.equal(followed.url, `${base}/echo?from=redirect`);
    assert.equal((followed.body as { path: string }).path, '/echo?from=redirect');
    const seeOther = await harness.execute(
      request,
      { url: `${base}/see-other`, body: { a: 1 } },
      { config: { method: 'POST' } },
    );
    assert.equal((seeOther.body as { method: string }).method, 'GET');
    const manual = await harness.execute(
      request,
      { url: `${base}/redirect` },
      { config: { followRedirects: false } },
    );
    assert.equal(manual.status, 302);
    assert.equal(manual.headers['location'], '/echo?from=redirect');
  });

  it('stops redirect loops and redirects to other schemes', async () => {
    await assert.rejects(harness.execute(request, { url: `${base}/loop` }), {
      code: 'TOO_MANY_REDIRECTS',
    });
    await assert.rejects(harness.execute(request, { url: `${base}/to-file-scheme` }), {
      code: 'UNSUPPORTED_URL',
    });
  });

  it('returns error statuses, or fails with HTTP_ERROR when asked', async () => {
    const missing = await harness.execute(request, { url: `${base}/missing` });
    assert.equal(missing.status, 404);
    assert.equal(missing.ok, false);
    assert.deepEqual(missing.body, { error: 'no such thing' });
    await assert.rejects(
      harness.execute(request, { url: `${base}/fail` }, { config: { failOnHttpError: true } }),
      (error: { code: string; retryable: boolean; details: { status: number; body: string } }) => {
        assert.equal(error.code, 'HTTP_ERROR');
        assert.equal(error.retryable, true);
        assert.equal(error.details.status, 503);
        assert.match(error.details.body, /maintenance/);
        return true;
      },
    );
    await assert.rejects(
      harness.execute(request, { url: `${base}/missing` }, { config: { failOnHttpError: true } }),
      { code: 'HTTP_ERROR', retryable: false },
    );
  });

  it('refuses URLs that are not http(s), and bodies on GET', async () => {
    await assert.rejects(harness.execute(request, { url: 'file:///etc/passwd' }), {
      code: 'UNSUPPORTED_URL',
    });
    await assert.rejects(harness.execute(request, { url: 'ftp://example.com/x' }), {
      code: 'UNSUPPORTED_URL',
    });
    await assert.rejects(harness.execute(request, { url: 'not a url' }), { code: 'INVALID_URL' });
    await assert.rejects(harness.execute(request, { url: `${base}/echo`, body: { a: 1 } }), {
      code: 'BODY_NOT_ALLOWED',
    });
    await assert.rejects(
      harness.execute(
        request,
        { url: `${base}/echo`, body: { a: 1 } },
        { config: { method: 'POST', bodyType: 'text' } },
      ),
      { code: 'INVALID_BODY' },
    );
    await assert.rejects(
      harness.execute(request, { url: `${base}/echo`, headers: { 'bad header': 'x' } }),
      { code: 'INVALID_HEADER' },
    );
  });

  it('times out with TIMEOUT, and stops when the caller cancels', async () => {
    await assert.rejects(
      harness.execute(request, { url: `${base}/slow` }, { config: { timeoutMs: 100 } }),
      { code: 'TIMEOUT', retryable: true },
    );
    const controller = new AbortController();
    setTimeout(() => {
      controller.abort();
    }, 50);
    const started = Date.now();
    await assert.rejects(
      harness.execute(request, { url: `${base}/slow` }, { signal: controller.signal }),
    );
    assert.ok(Date.now() - started < 1_500, 'the request was abandoned on cancel');
  });

  it('refuses bodies over the size limit', async () => {
    await assert.rejects(
      harness.execute(request, { url: `${base}/big` }, { config: { maxResponseBytes: 1_000 } }),
      { code: 'RESPONSE_TOO_LARGE' },
    );
  });

  it('streams the body into a file named by Content-Disposition', async () => {
    const result = await harness.execute(
      request,
      { url: `${base}/download` },
      { config: { responseType: 'file' } },
    );
    assert.equal(result.body, null);
    assert.ok(result.file !== undefined);
    assert.equal(result.file.name, 'report 2024.bin');
    assert.equal(result.file.contentType, 'application/octet-stream');
    assert.deepEqual([...harness.files.read(result.file)], [0, 1, 2, 255]);
  });

  it('reports an unreachable server as retryable REQUEST_FAILED', async () => {
    const gone = await listen(() => undefined);
    gone.server.close();
    await once(gone.server, 'close');
    await assert.rejects(harness.execute(request, { url: `${gone.base}/x` }), {
      code: 'REQUEST_FAILED',
      retryable: true,
    });
  });

  it('hides body settings for GET and HEAD while editing', async () => {
    const get = await harness.nodeConfig(request, { method: 'GET' });
    assert.equal(get.fields['bodyType']?.hidden, true);
    const post = await harness.nodeConfig(request, { method: 'POST', responseType: 'file' });
    assert.equal(post.fields['bodyType']?.hidden, false);
    assert.equal(post.fields['maxResponseBytes']?.hidden, true);
  });
});

describe('authenticated-request', () => {
  const bearer = { 'http-auth': { type: 'bearer', token: 'good' } };
  const apiKey = { 'http-auth': { type: 'api-key', token: 'good', headerName: 'X-Api-Key' } };

  it('sends a bearer token or an API key header', async () => {
    const withBearer = await harness.execute(
      authenticatedRequest,
      { url: `${base}/me` },
      { credentials: bearer },
    );
    assert.deepEqual(withBearer.body, { good: true });
    const withKey = await harness.execute(
      authenticatedRequest,
      { url: `${base}/me` },
      { credentials: apiKey },
    );
    assert.deepEqual(withKey.body, { good: true });
  });

  it('never sends the credentials to another origin on a redirect', async () => {
    for (const credentials of [bearer, apiKey]) {
      const result = await harness.execute(
        authenticatedRequest,
        { url: `${base}/away`, headers: { cookie: 'session=1', 'x-keep': 'yes' } },
        { credentials },
      );
      const landed = result.body as ReturnType<typeof echo>;
      assert.equal(landed.path, '/landed');
      assert.equal(landed.headers.authorization, undefined);
      assert.equal(landed.headers['x-api-key'], undefined);
      assert.equal(landed.headers.cookie, undefined);
      assert.equal(landed.headers['x-keep'], 'yes');
    }
  });

  it('needs credentials', async () => {
    await assert.rejects(harness.execute(authenticatedRequest, { url: `${base}/me` }), {
      code: 'PLUGIN_CREDENTIALS_MISSING',
    });
  });
});
