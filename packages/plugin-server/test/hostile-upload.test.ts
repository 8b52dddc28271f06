// Hostile archives uploaded to a running Plugin Server are refused with a clear error; nothing is
// written outside the staging folder and the staging folder is gone afterwards.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { readdir, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from './helpers/test-server.ts';

/** One ustar header + body, built by hand because tar writers refuse to make hostile entries. */
function entry(
  name: string,
  body: string,
  options: { type?: string; linkname?: string } = {},
): Buffer {
  const header = Buffer.alloc(512);
  header.write(name, 0, 100);
  header.write('0000644\0', 100);
  header.write('0000000\0', 108);
  header.write('0000000\0', 116);
  header.write(`${Buffer.byteLength(body).toString(8).padStart(11, '0')}\0`, 124);
  header.write('00000000000\0', 136);
  header.write('        ', 148);
  header.write(options.type ?? '0', 156);
  header.write(options.linkname ?? '', 157, 100);
  header.write('ustar\0', 257);
  header.write('00', 263);
  let sum = 0;
  for (const byte of header) {
    sum += byte;
  }
  header.write(`${sum.toString(8).padStart(6, '0')}\0 `, 148);
  const padded = Buffer.alloc(Math.ceil(Buffer.byteLength(body) / 512) * 512);
  padded.write(body);
  return Buffer.concat([header, padded]);
}

function archive(...entries: Buffer[]): Buffer {
  return gzipSync(Buffer.concat([...entries, Buffer.alloc(1024)]));
}

// Made before the cases are built (it.each reads it at collection time).
const outside = mkdtempSync(join(tmpdir(), 'plugboard-canary-'));
writeFileSync(join(outside, 'canary.txt'), 'untouched');
let server: TestServer;
beforeAll(async () => {
  server = await startTestServer();
});
afterAll(async () => {
  await server.close();
});

describe('hostile uploads', () => {
  it.each([
    [
      'a ../ path',
      archive(
        entry('package.json', '{}'),
        entry(`../../../../../../../../..${outside}/canary.txt`, 'pwned'),
      ),
    ],
    ['an absolute path', archive(entry(`${outside}/canary.txt`, 'pwned'))],
    [
      'a symbolic link',
      archive(
        entry('link', '', { type: '2', linkname: `${outside}/canary.txt` }),
        entry('link', 'pwned'),
      ),
    ],
    ['a hard link', archive(entry('hard', '', { type: '1', linkname: `${outside}/canary.txt` }))],
    ['not gzip at all', Buffer.from('this is not an archive')],
  ])('refuses %s with PSRV_ARCHIVE_INVALID and leaves the canary alone', async (_name, bytes) => {
    const uploaded = await server.json<{ fileId: string }>('POST', '/uploads', bytes);
    expect(uploaded.status).toBe(201);
    await server.call('POST', '/plugins/hostile/install', {
      source: { type: 'upload', fileId: uploaded.body.fileId },
    });
    const view = await server.waitFor('hostile', (v) => v?.status === 'error');
    expect(view?.lastError?.code).toBe('PSRV_ARCHIVE_INVALID');
    expect(await readFile(join(outside, 'canary.txt'), 'utf8')).toBe('untouched');
    expect(await readdir(outside)).toEqual(['canary.txt']);
    expect(await readdir(join(server.dataDir, 'staging'))).toEqual([]);
    await server.call('POST', '/plugins/hostile/uninstall');
    await server.waitFor('hostile', (v) => v === undefined);
  });

  it('refuses an upload over the size limit', async () => {
    const small = await startTestServer({ limits: { maxUploadBytes: 2048 } });
    try {
      const response = await small.json<{ error: { code: string } }>(
        'POST',
        '/uploads',
        Buffer.alloc(4096),
      );
      expect(response.status).toBe(413);
      expect(response.body.error.code).toBe('PSRV_PAYLOAD_TOO_LARGE');
    } finally {
      await small.close();
    }
  });
});
