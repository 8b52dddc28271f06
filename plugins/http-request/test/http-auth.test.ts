import assert from 'node:assert/strict';
import { once } from 'node:events';
import type { Server } from 'node:http';
import { after, before, describe, it } from 'node:test';
import { createTestHarness } from '@plugboard/sdk/testing';
import plugin, { checkCredentials } from '../src/index.ts';
import { json, listen } from './servers.ts';

let api: { server: Server; base: string };
let base: string;

before(async () => {
  api = await listen((req, _body, res) => {
    const good = req.headers.authorization === 'Bearer good' || req.headers['x-api-key'] === 'good';
    json(res, good ? 200 : 401, { good });
  });
  base = api.base;
});

after(() => {
  api.server.closeAllConnections();
  api.server.close();
});

const harness = createTestHarness(plugin);

describe('http-auth readiness check', () => {
  // The platform asks for the readiness check without the plugin's config, so through the harness
  // it calls public addresses only; checkCredentials takes the destinations to allow.
  const check = (given: Record<string, unknown>) =>
    checkCredentials(
      { type: 'bearer', headerName: 'X-API-Key', ...given } as Parameters<
        typeof checkCredentials
      >[0],
      new AbortController().signal,
      { allowPrivateNetworks: true, allowedHosts: [] },
    );

  it('is ready when the check URL answers 2xx with the credentials', async () => {
    assert.deepEqual(await check({ token: 'good', checkUrl: `${base}/me` }), { ready: true });
    const rejected = await check({ type: 'api-key', token: 'bad', checkUrl: `${base}/me` });
    assert.equal(rejected.ready, false);
    assert.match(rejected.message ?? '', /401 Unauthorized/);
  });

  it('says when it could not try the credentials', async () => {
    const unchecked = await harness.integrationReady('http-auth', { token: 'good' });
    assert.equal(unchecked.ready, true);
    assert.match(unchecked.message ?? '', /not tried/);
    const gone = await listen(() => undefined);
    gone.server.close();
    await once(gone.server, 'close');
    const unreachable = await check({ token: 'good', checkUrl: `${gone.base}/me` });
    assert.equal(unreachable.ready, false);
    assert.match(unreachable.message ?? '', /ECONNREFUSED/);
  });

  it('never calls a non-public check URL from the readiness check', async () => {
    let called = false;
    const local = await listen((_req, _body, res) => {
      called = true;
      res.end();
    });
    const verdict = await harness.integrationReady('http-auth', {
      token: 'good',
      checkUrl: `${local.base}/me`,
    });
    local.server.close();
    assert.equal(called, false);
    assert.equal(verdict.ready, true);
    assert.match(verdict.message ?? '', /not on a public address.*not tried.*loopback/);
  });

  it('refuses invalid credentials', async () => {
    await assert.rejects(
      harness.integrationReady('http-auth', { token: 'x', checkUrl: 'ftp://example.com' }),
      { code: 'PLUGIN_VALIDATION_FAILED' },
    );
    await assert.rejects(
      harness.integrationReady('http-auth', { type: 'api-key', token: 'x', headerName: 'a b' }),
      { code: 'PLUGIN_VALIDATION_FAILED' },
    );
  });
});
