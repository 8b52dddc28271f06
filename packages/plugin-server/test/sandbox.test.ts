// A hostile plugin attacks its host, one test per attack, and every attack fails while its
// neighbour keeps serving. Runs as root with namespaces and cgroups, as CI and developers do.
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fixtureFolder } from './helpers/fixture-package.ts';
import { rewriteId } from './helpers/rewrite-id.ts';
import { startTestServer, type TestServer } from './helpers/test-server.ts';

const MEMORY_MIB = 128;
const SCRATCH_MIB = 16;
const PROCESSES = 48;

let server: TestServer;
let hostSecrets: string;
const pids: Record<string, number> = {};

async function installHostile(id: string, declared: Record<string, unknown>): Promise<void> {
  const folder = await fixtureFolder({ fixture: 'hostile', declared });
  await rewriteId(folder, id);
  await server.call('POST', `/plugins/${id}/install`, { source: { type: 'local', path: folder } });
}

async function attack(id: string, kind: string, target = ''): Promise<string> {
  const result = await server.json<{ outputs?: { outcome: string }; error?: { code: string } }>(
    'POST',
    `/plugins/${id}/nodes/attack/execute`,
    { inputs: { kind, target } },
  );
  return result.body.outputs?.outcome ?? `error ${String(result.body.error?.code)}`;
}

/** The neighbour answers, from the same process as before the attack. */
async function neighbourServes(): Promise<void> {
  expect(await attack('neighbour', 'info')).toContain('"pid"');
  const view = await server.waitFor('neighbour', (v) => v?.status === 'running');
  expect(view?.pid).toBe(pids['neighbour']);
}

beforeAll(async () => {
  server = await startTestServer({
    sandbox: {
      mode: 'strict',
      memoryMiB: MEMORY_MIB,
      scratchMiB: SCRATCH_MIB,
      processes: PROCESSES,
    },
    allowChildProcess: ['hostile', 'neighbour'],
    allowNetwork: ['online'],
  });
  // Files of the host's that no plugin may read: a secret, and a database beside it.
  hostSecrets = await mkdtemp(join(tmpdir(), 'plugboard-host-secrets-'));
  await writeFile(join(hostSecrets, 'keys.json'), '{"admin":"s3cret"}', { mode: 0o644 });
  execFileSync(process.execPath, [
    '-e',
    `const { DatabaseSync } = require('node:sqlite'); new DatabaseSync(${JSON.stringify(join(hostSecrets, 'secret.db'))}).exec('CREATE TABLE secret (x)');`,
  ]);
  const declared = { permissions: { childProcesses: true } };
  await installHostile('hostile', declared);
  await installHostile('neighbour', declared);
  await installHostile('online', { permissions: { network: true } });
  for (const id of ['hostile', 'neighbour', 'online']) {
    const view = await server.waitFor(id, (v) => v?.status === 'running');
    pids[id] = view?.pid ?? 0;
  }
}, 60_000);
afterAll(async () => {
  await server.close();
});

describe('identity', () => {
  it('runs each plugin as its own unprivileged uid, pid 2 of its own namespace, with a clean environment', async () => {
    const hostile = JSON.parse(await attack('hostile', 'info')) as {
      uid: number;
      pid: number;
      env: string[];
    };
    const neighbour = JSON.parse(await attack('neighbour', 'info')) as { uid: number };
    expect(hostile.uid).toBeGreaterThanOrEqual(200_000);
    expect(neighbour.uid).not.toBe(hostile.uid);
    expect(hostile.pid).toBeLessThan(10);
    // PWD: bubblewrap names the package folder it starts the plugin in.
    const allowed = ['HOME', 'LANG', 'NODE_COMPILE_CACHE', 'PATH', 'PWD', 'TMPDIR', 'TZ'];
    expect(
      hostile.env.filter((name) => !allowed.includes(name) && !name.startsWith('PLUGBOARD_')),
    ).toEqual([]);
    const view = await server.json<{ sandbox: { confined: string[] } }>('GET', '/plugins/hostile');
    expect(view.body.sandbox.confined).toEqual([
      'identity',
      'files',
      'processes',
      'network',
      'memory',
      'cpu',
      'syscalls',
    ]);
    expect(readFileSync(`/proc/${String(pids['hostile'])}/cmdline`, 'utf8')).toContain(
      '--disable-sigusr1',
    );
  });
});

describe('files', () => {
  it('cannot read the host: its secrets, the server data folder, /etc, other processes', async () => {
    for (const command of [
      `cat ${join(hostSecrets, 'keys.json')}`,
      `cat ${join(server.dataDir, 'plugin-uids.json')}`,
      `ls ${join(server.dataDir, 'plugins', 'neighbour')}`,
      'cat /etc/shadow',
      `cat /proc/${String(process.pid)}/environ`,
      `cat /proc/${String(pids['neighbour'])}/cmdline`,
    ]) {
      const outcome = await attack('hostile', 'sh', command);
      expect(outcome, command).not.toMatch(/^exit 0/);
      expect(outcome).not.toContain('s3cret');
    }
    const processes = await attack('hostile', 'sh', 'ls /proc | grep -c "^[0-9]"');
    // The sandbox's pid 1, the plugin, and the shell pipeline listing them: nothing of the host.
    expect(Number(processes.split('\n')[1])).toBeLessThanOrEqual(5);
    await neighbourServes();
  });

  it('cannot reach host files with node:sqlite or through a link', async () => {
    const db = join(hostSecrets, 'secret.db');
    expect(await attack('hostile', 'sqlite-open', db)).toMatch(/^failed/);
    expect(await attack('hostile', 'sqlite-attach', db)).not.toContain('secret');
    const planted = join(hostSecrets, 'planted.db');
    expect(await attack('hostile', 'sqlite-vacuum', planted)).toMatch(/^failed/);
    expect(existsSync(planted)).toBe(false);
    const linked = await attack(
      'hostile',
      'sh',
      `ln -s ${join(hostSecrets, 'keys.json')} "$HOME/link" && cat "$HOME/link"`,
    );
    expect(linked).not.toContain('s3cret');
    await neighbourServes();
  });

  it('cannot plant code or data where the server or another plugin reads', async () => {
    const view = await server.json<{ source: unknown }>('GET', '/plugins/neighbour');
    expect(view.status).toBe(200);
    const runtime = join(import.meta.dirname, '..', '..', 'sdk', 'src');
    for (const target of [
      join(runtime, 'planted.ts'),
      join(server.dataDir, 'plugins', 'neighbour', 'planted'),
      '/usr/planted',
    ]) {
      const outcome = await attack('hostile', 'sh', `echo planted > ${target}`);
      expect(outcome, target).not.toMatch(/^exit 0/);
      expect(existsSync(target)).toBe(false);
    }
    // Its own package is read-only; its /tmp is its own.
    const own = await attack('hostile', 'sh', 'echo x > package.json');
    expect(own).not.toMatch(/^exit 0/);
    const marker = `plugboard-planted-${String(process.pid)}`;
    expect(await attack('hostile', 'sh', `echo x > /tmp/${marker} && echo ok`)).toContain('ok');
    expect(existsSync(join('/tmp', marker))).toBe(false);
    expect(await attack('neighbour', 'sh', `cat /tmp/${marker}`)).not.toMatch(/^exit 0/);
    await neighbourServes();
  });

  it('fills only its own scratch (ENOSPC at its quota)', async () => {
    const outcome = await attack('hostile', 'fill-scratch');
    expect(outcome).toMatch(/^failed: ENOSPC after \d+ MiB/);
    expect(Number(/after (\d+)/.exec(outcome)?.[1])).toBeLessThanOrEqual(SCRATCH_MIB);
    await attack('hostile', 'sh', 'rm -f "$HOME/fill"');
    const neighbour = await attack(
      'neighbour',
      'sh',
      'head -c 1048576 /dev/zero > "$HOME/ok" && echo written',
    );
    expect(neighbour).toContain('written');
    await neighbourServes();
  });

  it('fills only its own compile cache, which is not the host disk', async () => {
    const outcome = await attack(
      'hostile',
      'sh',
      `dd if=/dev/zero of="$NODE_COMPILE_CACHE/fill" bs=1M count=${String(SCRATCH_MIB * 4)} 2>&1; rm -f "$NODE_COMPILE_CACHE/fill"`,
    );
    expect(outcome).toContain('No space left on device');
    await neighbourServes();
  });
});

describe('processes', () => {
  it('cannot signal another plugin or the Plugin Server, nor open their inspector', async () => {
    expect(await attack('hostile', 'kill', String(pids['neighbour']))).toBe('failed: ESRCH');
    expect(await attack('hostile', 'kill', String(process.pid))).toBe('failed: ESRCH');
    expect(await attack('hostile', 'inspect', String(process.pid))).toMatch(/^failed/);
    expect(await attack('hostile', 'sh', `kill -USR1 ${String(process.pid)}`)).not.toMatch(
      /^exit 0/,
    );
    await neighbourServes();
  });

  it('cannot make a user namespace (every capability inside it) nor reach the kernel interfaces it has no use for', async () => {
    expect(await attack('hostile', 'sh', 'unshare -Ur id')).not.toMatch(/^exit 0/);
    expect(await attack('hostile', 'sh', 'unshare -Urm sh -c "mount -t tmpfs x /tmp"')).not.toMatch(
      /^exit 0/,
    );
    expect(await attack('hostile', 'sh', 'grep Seccomp: /proc/self/status')).toMatch(
      /Seccomp:\s+2/,
    );
    await neighbourServes();
  });

  it('forks no further than its process limit', async () => {
    const outcome = await attack(
      'hostile',
      'sh',
      'i=0; while [ $i -lt 150 ]; do sleep 2 & i=$((i+1)); done; wait; echo done',
    );
    expect(outcome).toMatch(/fork|Resource temporarily unavailable/i);
    await neighbourServes();
  });
});

describe('network', () => {
  it('reaches no loopback service (the Plugin Server, PostgreSQL) without a network grant', async () => {
    const apiPort = new URL(server.url).port;
    expect(await attack('hostile', 'connect', `127.0.0.1:${apiPort}`)).toMatch(/^failed/);
    expect(await attack('hostile', 'connect', '127.0.0.1:5432')).toMatch(/^failed/);
    expect(await attack('hostile', 'connect', '10.0.0.1:80')).toMatch(/^failed/);
    await neighbourServes();
  });
});

describe('network, granted', () => {
  it('reaches no loopback, private or metadata address, directly or through the egress proxy', async () => {
    const apiPort = new URL(server.url).port;
    expect(await attack('online', 'connect', `127.0.0.1:${apiPort}`)).toMatch(/^failed/);
    expect(await attack('online', 'connect', '127.0.0.1:5432')).toMatch(/^failed/);
    for (const url of [
      `http://127.0.0.1:${apiPort}/health`,
      `http://localhost:${apiPort}/health`,
      'http://[::1]:5432/',
      'http://[::ffff:127.0.0.1]:5432/',
      'http://169.254.169.254/latest/meta-data/',
      'http://10.0.0.1/',
      'https://127.0.0.1:5432/',
    ]) {
      const outcome = await attack('online', 'fetch', url);
      expect(outcome, url).not.toMatch(/^status 2/);
      expect(outcome, url).not.toContain('"status":"ok"');
    }
    // The refusal says why, in the plugin's log (a tunnel's 403 reaches fetch only as a failure).
    const log = await (await server.call('GET', '/plugins/online/logs?tail=200')).text();
    expect(log).toContain('egress refused');
    expect(log).toContain('plugins reach only public addresses');
    await neighbourServes();
  });

  it('answers malformed proxy requests with an error and keeps serving', async () => {
    for (const request of [
      'CONNECT 1.1.1.1:99999 HTTP/1.1\\r\\n\\r\\n',
      'CONNECT 1.1.1.1:0 HTTP/1.1\\r\\n\\r\\n',
      'CONNECT 1.1.1.1 HTTP/1.1\\r\\n\\r\\n',
      'CONNECT :443 HTTP/1.1\\r\\n\\r\\n',
      'GET /relative HTTP/1.1\\r\\nHost: x\\r\\n\\r\\n',
      'GET ftp://example.com/ HTTP/1.1\\r\\nHost: x\\r\\n\\r\\n',
    ]) {
      expect(await attack('online', 'raw-egress', request), request).toMatch(/HTTP\/1\.1 4\d\d/);
    }
    expect(await attack('online', 'info')).toContain('"pid"');
    expect((await server.json('GET', '/health')).status).toBe(200);
    await neighbourServes();
  });

  it('reaches a private address the operator opened, through the proxy', async () => {
    const opened = await startTestServer({
      allowNetwork: ['online'],
      egressAllow: ['127.0.0.1/32'],
    });
    const target = createServer((request, response) =>
      response.end(
        request.url === '/host' ? `host=${request.headers.host ?? ''}` : 'hello from the host',
      ),
    );
    await new Promise<void>((resolve) => target.listen(0, '127.0.0.1', resolve));
    try {
      const folder = await fixtureFolder({
        fixture: 'hostile',
        declared: { permissions: { network: true } },
      });
      await rewriteId(folder, 'online');
      await opened.call('POST', '/plugins/online/install', {
        source: { type: 'local', path: folder },
      });
      await opened.waitFor('online', (v) => v?.status === 'running');
      const port = (target.address() as AddressInfo).port;
      const result = await opened.json<{ outputs: { outcome: string } }>(
        'POST',
        '/plugins/online/nodes/attack/execute',
        { inputs: { kind: 'fetch', target: `http://127.0.0.1:${String(port)}/` } },
      );
      expect(result.body.outputs.outcome).toBe('status 200: hello from the host');
      // The host checked is the host asked for: another Host header cannot reach another site.
      const fronted = await opened.json<{ outputs: { outcome: string } }>(
        'POST',
        '/plugins/online/nodes/attack/execute',
        {
          inputs: {
            kind: 'raw-egress',
            target: `GET http://127.0.0.1:${String(port)}/host HTTP/1.1\\r\\nHost: admin.internal.example\\r\\nConnection: close\\r\\n\\r\\n`,
          },
        },
      );
      expect(fronted.body.outputs.outcome).toContain(`host=127.0.0.1:${String(port)}`);
    } finally {
      target.close();
      await opened.close();
    }
  });

  it('does not start a plugin asking for the network without the grant', async () => {
    const folder = await fixtureFolder({
      fixture: 'hostile',
      declared: { permissions: { network: true } },
    });
    await rewriteId(folder, 'ungranted');
    await server.call('POST', '/plugins/ungranted/install', {
      source: { type: 'local', path: folder },
    });
    const view = await server.waitFor('ungranted', (v) => v?.status === 'error');
    expect(view?.reason).toContain('PLUGBOARD_SERVER_ALLOW_NETWORK');
    expect(view?.lastError?.code).toBe('PSRV_NOT_GRANTED');
  });
});

describe('memory', () => {
  it.each(['buffers', 'heap'])(
    'ends a plugin that exhausts memory (%s) with the reason "out of memory", not a crash',
    async (kind) => {
      const before = await server.waitFor('hostile', (v) => v?.status === 'running');
      const outcome = await attack('hostile', kind);
      expect(outcome).toBe('error PSRV_PLUGIN_CRASHED');
      const after = await server.waitFor(
        'hostile',
        (v) =>
          v?.pid !== before?.pid &&
          v?.lastError?.message.includes(`out of memory (limit ${String(MEMORY_MIB)} MiB)`) ===
            true,
      );
      expect(after?.pid).not.toBe(before?.pid);
      await server.waitFor('hostile', (v) => v?.status === 'running');
      await neighbourServes();
    },
    60_000,
  );
});

describe('installs', () => {
  it('refuses a dependency that points at the host (file:) and names it', async () => {
    const folder = await fixtureFolder({ fixture: 'hostile' });
    await rewriteId(folder, 'leaky');
    const manifest = JSON.parse(await readFile(join(folder, 'package.json'), 'utf8')) as Record<
      string,
      unknown
    >;
    await writeFile(
      join(folder, 'package.json'),
      JSON.stringify({ ...manifest, dependencies: { leak: 'file:../../../../..' } }),
    );
    await server.call('POST', '/plugins/leaky/install', {
      source: { type: 'local', path: folder },
    });
    const view = await server.waitFor('leaky', (v) => v?.status === 'error');
    expect(view?.reason).toContain('leak');
    await neighbourServes();
  });
});
