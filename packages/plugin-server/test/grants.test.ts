// The operator's grant from the platform: a plugin asking for more waits for it (no restart loop,
// no reconcile retries), starts once granted, stops when the grant shrinks below what it asks,
// and keeps its grant across a Plugin Server restart.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ReconcileReport } from '@plugboard/server-api';
import { fixtureFolder } from './helpers/fixture-package.ts';
import { startStatusReceiver, type StatusReceiver } from './helpers/status-receiver.ts';
import { startTestServer, type TestServer } from './helpers/test-server.ts';

let receiver: StatusReceiver;
let server: TestServer;
let dataDir: string;
let asker: string;
let plain: string;
let askerV2: string;

beforeAll(async () => {
  // The folder outlives the first server: the test restarts the server on it.
  dataDir = await mkdtemp(join(tmpdir(), 'plugboard-grants-'));
  receiver = await startStatusReceiver();
  server = await startTestServer(
    { platformUrl: receiver.url, reconcileIntervalMs: 3_600_000 },
    { dataDir },
  );
  asker = await fixtureFolder({
    declared: { permissions: { network: { hosts: ['api.example.com'] } } },
  });
  plain = await fixtureFolder();
  askerV2 = await fixtureFolder({ version: '2.0.0', declared: { permissions: { network: true } } });
}, 60_000);
afterAll(async () => {
  await server.close();
  await receiver.close();
  await rm(dataDir, { recursive: true, force: true });
});

const grant = (body: unknown) => server.json('POST', '/plugins/faulty/grant', { grant: body });

describe('grants', () => {
  it('waits for a grant, starts once granted, stops when the grant shrinks, keeps it across a restart', async () => {
    await server.call('POST', '/plugins/faulty/install', {
      source: { type: 'local', path: asker },
    });
    const waiting = await server.waitFor('faulty', (v) => v?.status === 'error');
    expect(waiting?.lastError?.code).toBe('PSRV_NOT_GRANTED');
    expect(waiting?.reason).toContain('plugboard plugins grant faulty --hosts api.example.com');
    expect(waiting?.reason).toContain('it installs once granted');

    // The reconciler leaves it waiting rather than reinstalling it over and over.
    receiver.desired = [
      { id: 'faulty', source: { type: 'local', path: asker }, status: 'installing', grant: {} },
    ];
    const report = await server.json<ReconcileReport>('POST', '/reconcile', {});
    expect(report.body.actions).toEqual([
      expect.objectContaining({ id: 'faulty', action: 'wait' }),
    ]);

    expect((await grant({ network: { hosts: ['*.example.com'] } })).status).toBe(202);
    const running = await server.waitFor('faulty', (v) => v?.status === 'running');
    expect(running?.grant).toEqual({ network: { hosts: ['*.example.com'] } });

    // A grant that no longer covers what it asks for stops the process: it never runs with more.
    await grant({ network: { hosts: ['other.example.org'] } });
    const stopped = await server.waitFor('faulty', (v) => v?.status === 'error');
    expect(stopped?.pid).toBeUndefined();
    expect(stopped?.reason).toContain('it starts once granted');

    await grant({ network: true });
    await server.waitFor('faulty', (v) => v?.status === 'running');

    await server.close();
    // Without a platform, so no pull can change the grant the restart must keep.
    server = await startTestServer({}, { dataDir });
    const booted = await server.waitFor('faulty', (v) => v?.status === 'running');
    expect(booted?.grant).toEqual({ network: true });
    const nudged = await server.json<{ error: { code: string; message: string } }>(
      'POST',
      '/reconcile',
      {},
    );
    expect(nudged.status).toBe(409);
    expect(nudged.body.error.message).toContain('set PLUGBOARD_PLATFORM_URL');
  });

  it('keeps the old version serving while an update that asks for more waits for its grant', async () => {
    await grant({});
    await server.waitFor('faulty', (v) => v?.status === 'error');
    await server.call('POST', '/plugins/faulty/install', {
      source: { type: 'local', path: plain },
    });
    const before = (await server.waitFor('faulty', (v) => v?.status === 'running'))?.pid;

    await server.call('POST', '/plugins/faulty/install', {
      source: { type: 'local', path: askerV2 },
    });
    const held = await server.waitFor(
      'faulty',
      (v) => v?.status === 'running' && v.reason?.includes('keeps serving') === true,
    );
    expect(held?.version).toBe('1.0.0');
    expect(held?.pid).toBe(before);
    expect(held?.reason).toContain('version 1.0.0 keeps serving');
    expect(held?.reason).toContain('plugboard plugins grant faulty --network');

    await grant({ network: true });
    const updated = await server.waitFor(
      'faulty',
      (v) => v?.status === 'running' && v.version === '2.0.0',
    );
    expect(updated?.pid).not.toBe(before);
  });
});
