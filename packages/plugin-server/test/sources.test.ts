// Installing from a marketplace index and from a platform-stored upload, both served on loopback.
import { createHash } from 'node:crypto';
import { once } from 'node:events';
import { readFile } from 'node:fs/promises';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fixtureArchive } from './helpers/fixture-package.ts';
import { startTestServer, type TestServer } from './helpers/test-server.ts';

const PLATFORM_KEY = 'platform-side-key-0123456789';
let web: Server;
let base: string;
const files = new Map<string, Buffer>();
const seen: IncomingMessage['headers'][] = [];
let index: unknown;
let server: TestServer;

function integrity(bytes: Buffer): string {
  return `sha256-${createHash('sha256').update(bytes).digest('base64')}`;
}

beforeAll(async () => {
  web = createServer((req, res) => {
    seen.push(req.headers);
    if (req.url === '/market/index.json') {
      res.setHeader('content-type', 'application/json');
      res.end(JSON.stringify(index));
      return;
    }
    const file = files.get(req.url ?? '');
    if (file === undefined) {
      res.statusCode = 404;
      res.end();
      return;
    }
    if (
      req.url?.startsWith('/plugin-server/') === true &&
      req.headers.authorization !== `Bearer ${PLATFORM_KEY}`
    ) {
      res.statusCode = 401;
      res.end();
      return;
    }
    res.end(file);
  }).listen(0, '127.0.0.1');
  await once(web, 'listening');
  base = `http://127.0.0.1:${String((web.address() as AddressInfo).port)}`;
  const v1 = await readFile(await fixtureArchive({ version: '1.0.0' }));
  const v2 = await readFile(await fixtureArchive({ version: '1.1.0' }));
  files.set('/market/faulty-1.0.0.tar.gz', v1);
  files.set('/market/faulty-1.1.0.tar.gz', v2);
  files.set('/plugin-server/files/platform-file-1', v1);
  index = {
    formatVersion: 1,
    plugins: [
      {
        name: 'faulty',
        description: 'fixture',
        versions: [
          {
            version: '1.0.0',
            source: { type: 'archive', url: 'faulty-1.0.0.tar.gz', integrity: integrity(v1) },
          },
          {
            version: '1.1.0',
            source: {
              type: 'archive',
              url: `${base}/market/faulty-1.1.0.tar.gz`,
              integrity: integrity(v2),
            },
          },
          {
            version: '0.9.0',
            source: { type: 'archive', url: 'faulty-1.0.0.tar.gz', integrity: integrity(v2) },
          },
          // Listed last and highest, but a pre-release: never installed unless named.
          {
            version: '2.0.0-rc.1',
            source: { type: 'archive', url: 'faulty-2.0.0-rc.1.tar.gz', integrity: integrity(v2) },
          },
        ],
      },
    ],
  };
  server = await startTestServer({
    marketplaceUrl: `${base}/market/index.json`,
    platformUrl: base,
    platformApiKey: PLATFORM_KEY,
  });
});
afterAll(async () => {
  await server.close();
  web.close();
});

describe('marketplace', () => {
  // packages/platform/test/marketplace-listing.test.ts: the platform lists 1.1.0 as latest for
  // versions listed in this order.
  it('installs the latest release when none is named, then a named one, checking integrity', async () => {
    await server.call('POST', '/plugins/faulty/install', {
      source: { type: 'marketplace', name: 'faulty' },
    });
    expect(await server.waitFor('faulty', (v) => v?.status === 'running')).toMatchObject({
      version: '1.1.0',
    });
    await server.call('POST', '/plugins/faulty/install', {
      source: { type: 'marketplace', name: 'faulty', version: '1.0.0' },
    });
    expect(
      await server.waitFor('faulty', (v) => v?.status === 'running' && v.version === '1.0.0'),
    ).toMatchObject({ source: { type: 'marketplace' } });
  });

  it('refuses an archive whose hash is not the pinned one, and keeps the running version', async () => {
    await server.call('POST', '/plugins/faulty/install', {
      version: '0.9.0',
      source: { type: 'marketplace', name: 'faulty', version: '0.9.0' },
    });
    const view = await server.waitFor(
      'faulty',
      (v) => v?.lastError?.code === 'PSRV_INTEGRITY_MISMATCH',
    );
    expect(view).toMatchObject({ status: 'running', version: '1.0.0' });
    expect(view?.lastError?.message).toContain('is not the pinned');
  });

  it('says which plugins and versions exist when asked for others', async () => {
    await server.call('POST', '/plugins/other/install', {
      source: { type: 'marketplace', name: 'other' },
    });
    expect((await server.waitFor('other', (v) => v?.status === 'error'))?.reason).toContain(
      'no plugin "other"',
    );
  });
});

describe('upload stored by the platform', () => {
  it('fetches GET /plugin-server/files/{id} with the platform key and installs it', async () => {
    await server.call('POST', '/plugins/faulty/uninstall');
    await server.waitFor('faulty', (v) => v === undefined);
    await server.call('POST', '/plugins/faulty/install', {
      version: '1.0.0',
      source: { type: 'upload', fileId: 'platform-file-1' },
    });
    expect(await server.waitFor('faulty', (v) => v?.status === 'running')).toMatchObject({
      version: '1.0.0',
      source: { type: 'upload' },
    });
    expect(seen.some((h) => h.authorization === `Bearer ${PLATFORM_KEY}`)).toBe(true);
  });
});
