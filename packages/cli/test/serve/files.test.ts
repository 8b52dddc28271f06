// The SDK's file helper in a real plugin process, against a small file bridge the test starts.
import { once } from 'node:events';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FILE_BRIDGE_HEADERS } from '@plugboard/protocol';
import { TOKEN, startPluginProcess, type PluginProcess } from '../helpers/plugin-process.ts';

const CALL_TOKEN = 'call-token-for-run-1';
interface StoredFile {
  name: string;
  contentType: string;
  bytes: Buffer;
}
const stored = new Map<string, StoredFile>([
  ['in-1', { name: 'greeting.txt', contentType: 'text/plain', bytes: Buffer.from('hello files') }],
]);
const seenHeaders: IncomingMessage['headers'][] = [];
let bridge: Server;
let plugin: PluginProcess;

function refuse(res: ServerResponse, status: number, code: string): void {
  res.writeHead(status, { 'content-type': 'application/json' });
  res.end(
    JSON.stringify({
      error: { code, kind: 'user', message: `bridge says ${code}`, retryable: false },
    }),
  );
}

beforeAll(async () => {
  bridge = createServer((req, res) => {
    seenHeaders.push(req.headers);
    if (req.headers.authorization !== `Bearer ${TOKEN}`) {
      refuse(res, 401, 'BRIDGE_UNAUTHORIZED');
      return;
    }
    if (req.headers[FILE_BRIDGE_HEADERS.callToken] !== CALL_TOKEN) {
      refuse(res, 403, 'FILE_ACCESS_DENIED');
      return;
    }
    const download = /^\/bridge\/files\/([^/]+)$/.exec(req.url ?? '');
    if (req.method === 'GET' && download !== null) {
      const file = stored.get(decodeURIComponent(download[1]!));
      if (file === undefined) {
        refuse(res, 404, 'FILE_NOT_FOUND');
        return;
      }
      res.writeHead(200, { 'content-type': file.contentType, 'content-length': file.bytes.length });
      res.end(file.bytes);
      return;
    }
    if (req.method === 'POST' && req.url === '/bridge/files') {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        const id = `out-${String(stored.size)}`;
        const name = decodeURIComponent(String(req.headers[FILE_BRIDGE_HEADERS.fileName]));
        const contentType = String(req.headers['content-type']);
        const bytes = Buffer.concat(chunks);
        stored.set(id, { name, contentType, bytes });
        res.writeHead(201, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ id, name, contentType, size: bytes.length }));
      });
      return;
    }
    refuse(res, 404, 'NO_ROUTE');
  }).listen(0, '127.0.0.1');
  await once(bridge, 'listening');
  const { port } = bridge.address() as AddressInfo;
  plugin = await startPluginProcess({
    env: { PLUGBOARD_FILE_BRIDGE_URL: `http://127.0.0.1:${String(port)}/bridge` },
  });
});

afterAll(async () => {
  await plugin.stop();
  bridge.close();
});

const execute = (callToken: string | undefined, id = 'in-1') =>
  plugin.call('/nodes/file-upper/execute', {
    inputs: { doc: { id, name: 'greeting.txt', contentType: 'text/plain' } },
    context: callToken === undefined ? {} : { callToken },
  });

describe('file helper through the bridge', () => {
  it('reads an input file and streams a new file back, with both tokens on every call', async () => {
    const response = await execute(CALL_TOKEN);
    expect(response.status).toBe(200);
    const { outputs } = (await response.json()) as {
      outputs: { doc: { id: string; name: string; size: number }; original: string };
    };
    expect(outputs.original).toBe('hello files');
    expect(outputs.doc).toMatchObject({
      name: 'upper-greeting.txt',
      contentType: 'text/plain',
      size: 11,
    });
    expect(stored.get(outputs.doc.id)?.bytes.toString()).toBe('HELLO FILES');
    expect(seenHeaders.at(-1)?.[FILE_BRIDGE_HEADERS.callToken]).toBe(CALL_TOKEN);
  });

  it("passes the bridge's refusal on, with the bridge's code", async () => {
    const response = await execute('someone-elses-call-token');
    expect(response.status).toBe(403);
    expect(await response.json()).toMatchObject({
      error: { code: 'FILE_ACCESS_DENIED', message: 'bridge says FILE_ACCESS_DENIED' },
    });
    const missing = await execute(CALL_TOKEN, 'no-such-file');
    expect(missing.status).toBe(404);
    expect(await missing.json()).toMatchObject({ error: { code: 'FILE_NOT_FOUND' } });
  });

  it('explains that files need a call token when the request carries none', async () => {
    const response = await execute(undefined);
    expect(response.status).toBe(503);
    expect(await response.json()).toMatchObject({ error: { code: 'PLUGIN_FILES_UNAVAILABLE' } });
  });
});

describe('file helper without a bridge', () => {
  it('says how to get one', async () => {
    const bare = await startPluginProcess();
    try {
      const response = await bare.call('/nodes/file-upper/execute', {
        inputs: { doc: { id: 'in-1', name: 'a.txt', contentType: 'text/plain' } },
        context: { callToken: CALL_TOKEN },
      });
      expect(response.status).toBe(503);
      const body = (await response.json()) as { error: { code: string; message: string } };
      expect(body.error.code).toBe('PLUGIN_FILES_UNAVAILABLE');
      expect(body.error.message).toContain('PLUGBOARD_FILE_BRIDGE_URL');
    } finally {
      await bare.stop();
    }
  });
});
