// What a Plugin Server keeps across its own restart, without waiting for the platform: each
// plugin's configuration (a configured plugin comes straight back `running`, never through
// `missing_config`) and grant.
import { mkdtemp, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { fixtureFolder } from './helpers/fixture-package.ts';
import { startTestServer, type TestServer } from './helpers/test-server.ts';

const dirs: string[] = [];
let server: TestServer | undefined;
afterAll(async () => {
  await server?.close();
  for (const dir of dirs) {
    await rm(dir, { recursive: true, force: true });
  }
});

describe('a Plugin Server restart', () => {
  it('brings a configured plugin straight back running, within 2 s, with its configuration', async () => {
    const dataDir = await mkdtemp(join(tmpdir(), 'plugboard-restart-state-'));
    dirs.push(dataDir);
    server = await startTestServer({}, { dataDir });
    const folder = await fixtureFolder({ mode: 'needs-config' });
    await server.call('POST', '/plugins/faulty/install', {
      source: { type: 'local', path: folder },
      config: { region: 'eu' },
    });
    await server.waitFor('faulty', (v) => v?.status === 'running');
    // The configuration may hold secrets: only the server's user reads the record.
    const record = await stat(join(dataDir, 'plugins', 'faulty', 'desired.json'));
    expect(record.mode & 0o077).toBe(0);
    await server.close();

    const began = performance.now();
    server = await startTestServer({}, { dataDir });
    const seen: string[] = [];
    server.server.manager.on('status', (change) => seen.push(change.status));
    const back = await server.waitFor('faulty', (v) => v?.status === 'running', 2_000);
    expect(performance.now() - began).toBeLessThan(2_000);
    expect(back?.reason).toBeUndefined();
    expect(seen).not.toContain('missing_config');
  });
});
