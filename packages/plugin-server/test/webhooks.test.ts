// Status webhooks against a platform stand-in: full sequences, signatures, ordering, outages and
// Plugin Server restarts.
import { mkdtemp, rename, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fixtureFolder } from './helpers/fixture-package.ts';
import { startStatusReceiver, type StatusReceiver } from './helpers/status-receiver.ts';
import { startTestServer, type TestServer } from './helpers/test-server.ts';

let receiver: StatusReceiver;
let server: TestServer;
let dataDir: string;
beforeAll(async () => {
  receiver = await startStatusReceiver();
  // Kept across the restart in the last test (a server given its folder does not delete it).
  dataDir = await mkdtemp(join(tmpdir(), 'plugboard-webhooks-'));
  server = await startTestServer(
    { platformUrl: receiver.url, reconcileIntervalMs: 3_600_000 },
    { dataDir },
  );
});
afterAll(async () => {
  await server.close();
  await receiver.close();
  await rm(dataDir, { recursive: true, force: true });
});

function sequences(id: string): number[] {
  return receiver.received.filter((e) => e.pluginId === id).map((e) => e.sequence);
}

describe('status webhooks', () => {
  it('reports install → running with the manifest, signed, numbered in order', async () => {
    await server.call('POST', '/plugins/faulty/install', {
      source: { type: 'local', path: await fixtureFolder() },
    });
    await receiver.waitFor(() => receiver.statuses('faulty').includes('running'));
    expect(receiver.statuses('faulty')).toEqual(['installing', 'running']);
    const [installing, running] = receiver.received.filter((e) => e.pluginId === 'faulty');
    expect(installing?.verified).toBe(true);
    expect(running).toMatchObject({ verified: true, version: '1.0.0', manifest: { id: 'faulty' } });
    expect(running?.sequence).toBeGreaterThan(installing?.sequence ?? Infinity);
    expect(installing?.webhookId).not.toBe(running?.webhookId);
  });

  it('reports crash → restarting → running', async () => {
    receiver.received.length = 0;
    await server.call('POST', '/plugins/faulty/nodes/crash/execute', { inputs: {} });
    await receiver.waitFor(() => receiver.statuses('faulty').includes('running'));
    expect(receiver.statuses('faulty')).toEqual(['restarting', 'running']);
  });

  it('reports error with the reason and the log tail', async () => {
    receiver.received.length = 0;
    await server.call('POST', '/plugins/broken/install', {
      source: { type: 'local', path: '/nonexistent/plugin' },
    });
    await receiver.waitFor(() => receiver.statuses('broken').includes('error'));
    const error = receiver.received.find((e) => e.pluginId === 'broken' && e.status === 'error');
    expect(error?.reason).toContain('is not a folder');
    await server.call('POST', '/plugins/broken/uninstall');
    await receiver.waitFor(() => receiver.statuses('broken').includes('uninstalled'));
  });

  it('delivers only the latest status after an outage, never an older one after a newer one', async () => {
    receiver.received.length = 0;
    receiver.down = true;
    const attemptsBefore = receiver.attempts;
    const first = await server.waitFor('faulty', (v) => v?.status === 'running');
    await server.call('POST', '/plugins/faulty/restart');
    const second = await server.waitFor(
      'faulty',
      (v) => v?.status === 'running' && v.pid !== undefined && v.pid !== first?.pid,
    );
    await server.call('POST', '/plugins/faulty/nodes/crash/execute', { inputs: {} });
    await server.waitFor(
      'faulty',
      (v) => v?.status === 'running' && v.pid !== undefined && v.pid !== second?.pid,
    );
    await expect.poll(() => receiver.attempts > attemptsBefore).toBe(true);
    receiver.down = false;
    await receiver.waitFor(() => receiver.statuses('faulty').includes('running'));
    await new Promise((resolve) => setTimeout(resolve, 300));
    const seen = sequences('faulty');
    expect(receiver.statuses('faulty').at(-1)).toBe('running');
    expect(seen.length).toBeLessThan(4);
    expect([...seen].sort((a, b) => a - b)).toEqual(seen);
  });

  it('reaches a platform that comes back within 2 s, however long the backoff has grown', async () => {
    receiver.received.length = 0;
    receiver.away = true;
    const attemptsBefore = receiver.attempts;
    await server.call('POST', '/plugins/faulty/restart');
    await server.waitFor('faulty', (v) => v?.status === 'running');
    // Long enough for several failed attempts, so the next one is seconds away.
    await expect
      .poll(() => receiver.attempts - attemptsBefore, { timeout: 20_000 })
      .toBeGreaterThan(3);
    await new Promise((resolve) => setTimeout(resolve, 5_000));
    receiver.away = false;
    const back = Date.now();
    await receiver.waitFor(() => receiver.statuses('faulty').includes('running'), 10_000);
    expect(Date.now() - back).toBeLessThan(2_000);
  }, 40_000);

  it('sends every current status again when the platform asks for a resync', async () => {
    receiver.received.length = 0;
    const answer = await server.json<{ resent: number }>('POST', '/statuses/resync');
    expect(answer.status).toBe(202);
    expect(answer.body.resent).toBeGreaterThanOrEqual(1);
    await receiver.waitFor(() => receiver.statuses('faulty').includes('running'));
  });

  it('delivers from memory, and says so on /health, when statuses cannot be kept on disk', async () => {
    receiver.received.length = 0;
    const folder = join(server.dataDir, 'webhooks');
    const aside = `${folder}.aside`;
    await rename(folder, aside);
    // A file where the folder was: every write of the outbox fails.
    await writeFile(folder, '');
    try {
      await server.call('POST', '/plugins/faulty/restart');
      await receiver.waitFor(() => receiver.statuses('faulty').includes('running'));
      const health = await server.json<{ statusesUnsaved?: string }>('GET', '/health');
      expect(health.body.statusesUnsaved).toMatch(/ENOTDIR/);
    } finally {
      await rm(folder);
      await rename(aside, folder);
    }
    await server.call('POST', '/plugins/faulty/restart');
    await expect
      .poll(async () => (await server.json<{ statusesUnsaved?: string }>('GET', '/health')).body)
      .not.toHaveProperty('statusesUnsaved');
  });

  it('keeps a pending status on disk across a Plugin Server restart', async () => {
    receiver.received.length = 0;
    receiver.down = true;
    await server.call('POST', '/plugins/faulty/uninstall');
    await server.waitFor('faulty', (v) => v === undefined);
    const lastSequence = Math.max(0, ...sequences('faulty'));
    await server.close();
    receiver.down = false;
    server = await startTestServer(
      { platformUrl: receiver.url, reconcileIntervalMs: 3_600_000 },
      { dataDir: server.dataDir },
    );
    await receiver.waitFor(() => receiver.statuses('faulty').includes('uninstalled'));
    expect(
      receiver.received
        .filter((e) => e.pluginId === 'faulty')
        .every((e) => e.sequence > lastSequence),
    ).toBe(true);
  });
});
