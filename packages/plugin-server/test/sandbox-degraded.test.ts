// A host that lacks a layer: the Plugin Server says exactly which and why (log, /health, per
// plugin), runs plugins with every layer it still has, and in strict mode starts none.
import { symlink, mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fixtureFolder } from './helpers/fixture-package.ts';
import { startTestServer, type TestServer } from './helpers/test-server.ts';

interface Health {
  sandbox: { mode: string; confined: string[]; missing: { layer: string; why: string }[] };
}

/** A PATH with the host's setpriv and prlimit but no bubblewrap. */
let withoutBwrap: Record<string, string | undefined>;
beforeAll(async () => {
  const bin = await mkdtemp(join(tmpdir(), 'plugboard-no-bwrap-'));
  for (const tool of ['setpriv', 'prlimit']) {
    await symlink(`/usr/bin/${tool}`, join(bin, tool));
  }
  withoutBwrap = { ...process.env, PATH: bin };
});

describe('a host without bubblewrap', () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer({ sandbox: { mode: 'auto' } }, { hostEnv: withoutBwrap });
  });
  afterAll(async () => {
    await server.close();
  });

  it('reports exactly the layers it lacks, with the reason, in /health', async () => {
    const health = await server.json<Health>('GET', '/health');
    expect(health.body.sandbox.mode).toBe('auto');
    expect(health.body.sandbox.confined).toEqual(['memory', 'cpu']);
    expect(health.body.sandbox.missing.map((m) => m.layer).sort()).toEqual(
      ['files', 'identity', 'network', 'processes', 'syscalls'].sort(),
    );
    for (const missing of health.body.sandbox.missing) {
      expect(missing.why).toContain('bubblewrap (bwrap) is not installed');
    }
  });

  it('still runs a plugin in auto mode, reporting the same per plugin', async () => {
    await server.call('POST', '/plugins/faulty/install', {
      source: { type: 'local', path: await fixtureFolder() },
    });
    const view = await server.waitFor('faulty', (v) => v?.status === 'running');
    expect(view?.sandbox?.confined).toEqual(['memory', 'cpu']);
    expect(view?.sandbox?.missing.map((m) => m.layer)).toContain('files');
    const echoed = await server.json<{ outputs: { text: string } }>(
      'POST',
      '/plugins/faulty/nodes/echo/execute',
      { inputs: { text: 'still here' } },
    );
    expect(echoed.body.outputs.text).toBe('still here');
  });
});

describe('strict mode on that host', () => {
  it('refuses to start a plugin it cannot fully confine, saying why and what to do', async () => {
    const server = await startTestServer(
      { sandbox: { mode: 'strict' } },
      { hostEnv: withoutBwrap },
    );
    try {
      await server.call('POST', '/plugins/faulty/install', {
        source: { type: 'local', path: await fixtureFolder() },
      });
      const view = await server.waitFor('faulty', (v) => v?.status === 'error');
      expect(view?.reason).toContain('PLUGBOARD_SERVER_SANDBOX=strict');
      expect(view?.reason).toContain('files (bubblewrap (bwrap) is not installed');
      expect(view?.lastError?.code).toBe('PSRV_SANDBOX_UNAVAILABLE');
      expect(view?.pid).toBeUndefined();
    } finally {
      await server.close();
    }
  });
});

describe('a host with every layer', () => {
  it('confines a plugin with all of them by default', async () => {
    const server = await startTestServer();
    try {
      const health = await server.json<Health>('GET', '/health');
      expect(health.body.sandbox).toEqual({
        mode: 'auto',
        confined: ['identity', 'files', 'processes', 'network', 'memory', 'cpu', 'syscalls'],
        missing: [],
      });
    } finally {
      await server.close();
    }
  });
});
