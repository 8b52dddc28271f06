// Calls that arrive while a plugin cannot take them yet wait for it within their deadline instead
// of failing: a plugin restarting or installing, a server still loading its records (none of
// these reached a plugin, so waiting is safe).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fixtureFolder } from './helpers/fixture-package.ts';
import { startTestServer, type TestServer } from './helpers/test-server.ts';

let server: TestServer;
let folder: string;

beforeAll(async () => {
  server = await startTestServer();
  folder = await fixtureFolder();
}, 60_000);
afterAll(async () => {
  await server.close();
});

const echo = (s: TestServer, text: string) =>
  s.json<{ outputs?: { text: string }; error?: { code: string } }>(
    'POST',
    '/plugins/faulty/nodes/echo/execute',
    { inputs: { text } },
  );

describe('calls that arrive while a plugin cannot take them', () => {
  it('wait for a plugin that is installing, and are answered once it runs', async () => {
    await server.call('POST', '/plugins/faulty/install', {
      source: { type: 'local', path: folder },
    });
    const during = await Promise.all(
      Array.from({ length: 5 }, (_, i) => echo(server, `i${String(i)}`)),
    );
    expect(during.map((r) => r.status)).toEqual([200, 200, 200, 200, 200]);
  });

  it('are not lost when the plugin restarts under them: calls handed to the old process finish or move to the new one', async () => {
    for (let round = 0; round < 3; round += 1) {
      const before = Array.from({ length: 40 }, (_, i) => echo(server, `b${String(i)}`));
      await server.call('POST', '/plugins/faulty/restart');
      const after = Array.from({ length: 40 }, (_, i) => echo(server, `a${String(i)}`));
      const answers = await Promise.all([...before, ...after]);
      expect(answers.filter((r) => r.status !== 200).map((r) => r.body)).toEqual([]);
    }
  }, 60_000);

  it('move to the next process when the one they were sent to was killed before they reached it', async () => {
    const pid = (await server.waitFor('faulty', (p) => p?.pid !== undefined))?.pid ?? 0;
    process.kill(pid, 'SIGKILL');
    const answers = await Promise.all(
      Array.from({ length: 20 }, (_, i) => echo(server, `k${String(i)}`)),
    );
    expect(answers.filter((r) => r.status !== 200).map((r) => r.body)).toEqual([]);
    expect((await server.json<{ pid: number }>('GET', '/plugins/faulty')).body.pid).not.toBe(pid);
  }, 60_000);
});
