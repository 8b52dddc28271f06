// A node call the platform sends while its Plugin Server restarts is not lost: the call meets
// "connection refused" (it provably reached no plugin), so the platform's client sends it again
// within the node's deadline, and the restarted server waits for its plugin to be back.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { pino } from 'pino';
import { afterAll, describe, expect, it } from 'vitest';
import { createPluginServerClient } from '@plugboard/platform';
import { createPluginServer, loadServerConfig, type PluginServer } from '@plugboard/plugin-server';
import { freePort } from '../helpers/free-port.ts';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const CLI_BIN = join(ROOT, 'packages/cli/bin/plugboard.js');
const KEY = 'restart-test-key-0123456789abcdef';
const dirs: string[] = [];

afterAll(async () => {
  for (const dir of dirs) {
    await rm(dir, { recursive: true, force: true });
  }
});

async function start(dataDir: string, port: number): Promise<PluginServer> {
  const config = loadServerConfig(
    {},
    {
      apiKeys: [KEY],
      port,
      dataDir,
      devMode: true,
      webhookSecret: 'whsec_cmVzdGFydC10ZXN0LXNlY3JldC0wMTIzNDU2Nzg5',
      logLevel: 'silent',
      install: { installers: ['npm'] },
    },
  );
  const server = await createPluginServer({
    config,
    serveBin: CLI_BIN,
    hostEnv: process.env,
    logger: pino({ level: 'silent' }),
  });
  await server.listen();
  return server;
}

describe('a Plugin Server restart under a node call', () => {
  it('loses no call: refused connections are sent again, the restarted server waits for its plugin', async () => {
    const dataDir = await mkdtemp(join(tmpdir(), 'plugboard-restart-call-'));
    dirs.push(dataDir);
    const port = await freePort();
    const first = await start(dataDir, port);
    first.manager.install('text-tools', {
      source: { type: 'local', path: join(ROOT, 'plugins/text-tools') },
    });
    await expect
      .poll(() => first.manager.get('text-tools')?.status, { timeout: 60_000 })
      .toBe('running');
    await first.close();

    const client = createPluginServerClient({
      url: `http://127.0.0.1:${String(port)}`,
      apiKey: KEY,
    });
    try {
      const call = client.execute({
        pluginId: 'text-tools',
        node: 'change-case',
        timeoutMs: 30_000,
        signal: new AbortController().signal,
        body: { inputs: { text: 'hello there' }, config: { to: 'upper' }, context: {} },
      });
      // The server comes back while the call is being refused.
      await new Promise((resolve) => setTimeout(resolve, 700));
      expect(await client.ready()).toBe(false);
      const second = await start(dataDir, port);
      try {
        const outcome = await call;
        expect(outcome.ok ? outcome.outputs : outcome.failure).toMatchObject({
          text: 'HELLO THERE',
        });
        expect(await client.ready()).toBe(true);
      } finally {
        await second.close();
      }
    } finally {
      await client.close();
    }
  }, 120_000);
});
