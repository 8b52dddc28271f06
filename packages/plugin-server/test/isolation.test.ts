// What a plugin process can see (B10, and Node's permission model), and following its log.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fixtureFolder } from './helpers/fixture-package.ts';
import { startTestServer, type TestServer } from './helpers/test-server.ts';

let server: TestServer;
beforeAll(async () => {
  process.env['PLUGBOARD_TEST_SECRET'] = 'must-not-leak';
  server = await startTestServer();
  await server.call('POST', '/plugins/faulty/install', {
    source: { type: 'local', path: await fixtureFolder() },
  });
  await server.waitFor('faulty', (v) => v?.status === 'running');
});
afterAll(async () => {
  await server.close();
  delete process.env['PLUGBOARD_TEST_SECRET'];
});

describe('isolation', () => {
  it('gives the plugin only the allowlisted environment, never the server keys or host secrets', async () => {
    const result = await server.json<{ outputs: { env: string[] } }>(
      'POST',
      '/plugins/faulty/nodes/probe/execute',
      { inputs: { path: '/etc/hostname' } },
    );
    expect(result.status).toBe(200);
    const allowed = ['HOME', 'LANG', 'NODE_COMPILE_CACHE', 'PATH', 'PWD', 'TMPDIR', 'TZ'];
    for (const name of result.body.outputs.env) {
      expect(allowed.includes(name) || name.startsWith('PLUGBOARD_'), name).toBe(true);
    }
    expect(result.body.outputs.env).not.toContain('PLUGBOARD_TEST_SECRET');
    expect(result.body.outputs.env).not.toContain('PLUGBOARD_SERVER_API_KEYS');
  });

  it('refuses reads outside its own folder (Node permission model)', async () => {
    for (const path of ['/etc/hostname', `${server.dataDir}/plugins/faulty/versions.json`]) {
      const result = await server.json<{ outputs: { read: string } }>(
        'POST',
        '/plugins/faulty/nodes/probe/execute',
        { inputs: { path } },
      );
      expect(result.body.outputs.read, path).toBe('refused: ERR_ACCESS_DENIED');
    }
  });
});

describe('logs', () => {
  it('follows the log as new lines arrive', async () => {
    const response = await server.call(
      'GET',
      '/plugins/faulty/logs?tail=0&follow=true',
      undefined,
      {},
    );
    expect(response.headers.get('content-type')).toContain('text/plain');
    const reader = (response.body as ReadableStream<Uint8Array>).getReader();
    await server.call('POST', '/plugins/faulty/restart');
    let seen = '';
    const decoder = new TextDecoder();
    while (!seen.includes('status running')) {
      const { value, done } = await reader.read();
      if (done) {
        break;
      }
      seen += decoder.decode(value);
    }
    await reader.cancel();
    expect(seen).toContain('status restarting');
    expect(seen).toContain('status running');
  });
});
