// A sandboxed plugin has no network: it reaches the file bridge on a Unix socket of its own. A file
// goes down through it and back up intact, read as a web stream or handed on as it is.
import { createHash, randomBytes } from 'node:crypto';
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { FileRef } from '@plugboard/protocol';
import { fixtureFolder } from './helpers/fixture-package.ts';
import { startPlatformStandIn, type PlatformStandIn } from './helpers/platform-stand-in.ts';
import { startTestServer, type TestServer } from './helpers/test-server.ts';

const CALL_TOKEN = 'run-sandboxed';
/** Several reads and writes each way, small enough to keep the test quick. */
const BYTES = 8 * 1024 * 1024;

let platform: PlatformStandIn;
let server: TestServer;
let doc: FileRef;
let sha256: string;

beforeAll(async () => {
  platform = await startPlatformStandIn();
  server = await startTestServer({
    sandbox: { mode: 'strict' },
    platformUrl: platform.url,
    platformApiKey: platform.apiKey,
  });
  const content = randomBytes(BYTES);
  sha256 = createHash('sha256').update(content).digest('hex');
  doc = await platform.addFile('doc', content, 'doc.bin');
  platform.grant(CALL_TOKEN, ['doc'], { upload: true });
  const installing = await server.call('POST', '/plugins/faulty/install', {
    source: { type: 'local', path: await fixtureFolder() },
  });
  expect(installing.status).toBe(202);
  await server.waitFor('faulty', (v) => v?.status === 'running', 60_000);
}, 90_000);

afterAll(async () => {
  await server.close();
  await platform.close();
});

it.each(['copy-file', 'copy-file-as-is'])(
  '%s moves a file down and back up through the bridge socket, intact',
  async (node) => {
    // Confined with no network, the plugin has only the socket to reach the bridge by.
    const view = await server.json<{ sandbox?: { confined: string[] } }>('GET', '/plugins/faulty');
    expect(view.body.sandbox?.confined).toContain('network');
    const result = await server.json<{ outputs?: { doc: FileRef }; error?: unknown }>(
      'POST',
      `/plugins/faulty/nodes/${node}/execute`,
      { inputs: { doc }, context: { callToken: CALL_TOKEN } },
    );
    expect(result.status, JSON.stringify(result.body)).toBe(200);
    const stored = platform.uploads().find((u) => u.id === result.body.outputs?.doc.id);
    expect(stored).toMatchObject({ state: 'complete', bytes: BYTES, sha256, pluginId: 'faulty' });
  },
  30_000,
);
