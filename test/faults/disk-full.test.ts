// A full disk under both services, for real: their data folders on a small tmpfs the test mounts
// (as root, as CI runs) and fills. Every write path answers 507 with the coded `*_DISK_FULL`, how
// much is free and, for uploads, how much was needed; nothing is half-stored, and everything
// works again once space is freed.
import { execFile } from 'node:child_process';
import { mkdtemp, open, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createPlatform, loadPlatformConfig, type Platform } from '@plugboard/platform';
import { createPluginServer, loadServerConfig, type PluginServer } from '@plugboard/plugin-server';
import { CLI, ROOT } from '../helpers/npm-start.ts';

const run = promisify(execFile);
const TOKEN = 'disk-full-token-0123456789';
const KEY = 'disk-full-server-key-0123456789';

let mount: string;
let platform: Platform;
let platformUrl: string;
let server: PluginServer;
let serverUrl: string;

beforeAll(async () => {
  mount = await mkdtemp(join(tmpdir(), 'plugboard-disk-full-'));
  await run('mount', ['-t', 'tmpfs', '-o', 'size=96m', 'tmpfs', mount]);
  platform = await createPlatform({
    config: loadPlatformConfig(
      {},
      {
        dataDir: join(mount, 'platform'),
        port: 0,
        apiTokens: [TOKEN],
        secretKey: 'disk-full-secret-key-0123456789abcdef0123',
        pluginServerUrl: 'http://127.0.0.1:9',
        pluginServerApiKey: KEY,
        platformApiKeys: ['disk-full-platform-key-0123456789'],
        webhookSecret: 'disk-full-webhook-secret-0123456789',
        logLevel: 'silent',
      },
    ),
    logger: pino({ level: 'silent' }),
  });
  platformUrl = await platform.listen();
  server = await createPluginServer({
    config: loadServerConfig(
      {},
      {
        apiKeys: [KEY],
        port: 0,
        dataDir: join(mount, 'server'),
        devMode: true,
        webhookSecret: 'whsec_ZGlzay1mdWxsLXRlc3Qtc2VjcmV0LTAxMjM0NTY3ODk',
        logLevel: 'silent',
      },
    ),
    serveBin: CLI,
    hostEnv: process.env,
    logger: pino({ level: 'silent' }),
  });
  serverUrl = await server.listen();
}, 60_000);

afterAll(async () => {
  // eslint-disable-next-line @typescript-eslint/no-unnecessary-condition -- unset when beforeAll failed
  await server?.close();
  // eslint-disable-next-line @typescript-eslint/no-unnecessary-condition -- unset when beforeAll failed
  await platform?.close();
  await run('umount', [mount]).catch(() => run('umount', ['-l', mount]));
  await rm(mount, { recursive: true, force: true });
});

/** Writes a filler file until the disk refuses more; returns its path. */
async function fill(): Promise<string> {
  const path = join(mount, 'filler');
  const file = await open(path, 'w');
  const chunk = Buffer.alloc(1024 * 1024);
  try {
    for (;;) {
      await file.write(chunk);
    }
  } catch (error) {
    expect((error as NodeJS.ErrnoException).code).toBe('ENOSPC');
  } finally {
    await file.close();
  }
  return path;
}

async function post(url: string, token: string, body: Buffer | string, headers = {}) {
  const response = await fetch(url, {
    method: 'POST',
    headers: { authorization: `Bearer ${token}`, ...headers },
    body,
  });
  return {
    status: response.status,
    body: (await response.json()) as {
      id?: string;
      fileId?: string;
      error?: {
        code: string;
        message: string;
        retryable: boolean;
        details?: Record<string, number>;
      };
    },
  };
}

describe('a full disk', () => {
  it('answers 507 *_DISK_FULL with the space needed on every write path of both services, and recovers', async () => {
    const upload = Buffer.alloc(2 * 1024 * 1024, 1);
    const filler = await fill();
    try {
      const file = await post(`${platformUrl}/api/files`, TOKEN, upload, {
        'content-type': 'application/octet-stream',
        'x-plugboard-file-name': 'big.bin',
      });
      expect(file.status).toBe(507);
      expect(file.body.error).toMatchObject({ code: 'PLAT_DISK_FULL', retryable: true });
      expect(file.body.error?.details?.['neededBytes']).toBe(upload.length);
      expect(file.body.error?.message).toMatch(/full \(\d+ KiB free\); this needs 2\.0 MiB/);

      const archive = await post(`${serverUrl}/uploads`, KEY, upload, {
        'content-type': 'application/gzip',
      });
      expect(archive.status).toBe(507);
      expect(archive.body.error).toMatchObject({ code: 'PSRV_DISK_FULL', retryable: true });
      expect(archive.body.error?.details?.['neededBytes']).toBe(upload.length);

      // An install, which answers at once and fails on its way: the status says why.
      const install = await post(
        `${serverUrl}/plugins/text-tools/install`,
        KEY,
        JSON.stringify({ source: { type: 'local', path: join(ROOT, 'plugins/text-tools') } }),
        { 'content-type': 'application/json' },
      );
      expect(install.status).toBe(202);
      await expect
        .poll(() => server.manager.get('text-tools')?.lastError?.code, { timeout: 30_000 })
        .toBe('PSRV_DISK_FULL');
      expect(server.manager.get('text-tools')?.status).toBe('error');

      // A database write (the embedded database lives on the same disk).
      const workflows = [];
      for (let i = 0; i < 400; i += 1) {
        workflows.push(
          await post(
            `${platformUrl}/api/workflows`,
            TOKEN,
            JSON.stringify({
              name: `w${String(i)}`,
              description: 'x'.repeat(9_000),
              graph: { nodes: [], edges: [] },
            }),
            { 'content-type': 'application/json' },
          ),
        );
        if (workflows.at(-1)?.status !== 201) {
          break;
        }
      }
      expect(workflows.at(-1)?.status).toBe(507);
      expect(workflows.at(-1)?.body.error?.code).toBe('PLAT_DISK_FULL');
      // Nothing half-stored.
      expect(
        (await readdir(join(mount, 'platform', 'files'))).filter((f) => f.endsWith('.partial')),
      ).toEqual([]);
    } finally {
      await rm(filler);
    }
    const again = await post(`${platformUrl}/api/files`, TOKEN, upload, {
      'content-type': 'application/octet-stream',
      'x-plugboard-file-name': 'big.bin',
    });
    expect(again.status).toBe(201);
    expect(
      (await post(`${serverUrl}/uploads`, KEY, upload, { 'content-type': 'application/gzip' }))
        .status,
    ).toBe(201);
  }, 60_000);
});
