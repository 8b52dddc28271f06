// `plugboard server` as a real process: killed with SIGKILL its plugins exit by themselves (F11);
// started again on the same data folder it brings them back, one process each; SIGTERM stops all.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, readdir, readFile, readlink } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { PluginView } from '../src/index.ts';
import { CLI_BIN, fixtureFolder } from './helpers/fixture-package.ts';
import { rewriteId } from './helpers/rewrite-id.ts';
import { startStatusReceiver } from './helpers/status-receiver.ts';
import { API_KEY, isAlive, WEBHOOK_SECRET } from './helpers/test-server.ts';

const children: ChildProcess[] = [];
afterAll(() => {
  for (const child of children) {
    child.kill('SIGKILL');
  }
});

async function startServerProcess(
  dataDir: string,
  env: Record<string, string> = {},
  /** Descriptors it inherits open, as a careless supervisor or shell redirect can leave them. */
  inheritedFds: readonly number[] = [],
): Promise<{ child: ChildProcess; url: string }> {
  const stdio: ('ignore' | 'pipe')[] = ['ignore', 'ignore', 'pipe'];
  for (const fd of inheritedFds) {
    stdio[fd] = 'pipe';
  }
  const child = spawn(
    process.execPath,
    [CLI_BIN, 'server', '--port', '0', '--data-dir', dataDir, '--dev'],
    {
      env: {
        PATH: process.env['PATH'] ?? '',
        PLUGBOARD_SERVER_API_KEYS: API_KEY,
        PLUGBOARD_SERVER_LOG_LEVEL: 'warn',
        ...env,
      },
      stdio: Array.from({ length: stdio.length }, (_, fd) => stdio[fd] ?? 'ignore'),
    },
  );
  children.push(child);
  const url = await new Promise<string>((resolve, reject) => {
    let seen = '';
    child.stderr?.on('data', (chunk: Buffer) => {
      seen += chunk.toString();
      const match = /listening on (http:\/\/[^\s]+)/.exec(seen);
      if (match?.[1] !== undefined) {
        resolve(match[1]);
      }
    });
    child.once('exit', (code) => {
      reject(new Error(`server exited with ${String(code)}: ${seen}`));
    });
  });
  return { child, url };
}

async function view(url: string, id: string): Promise<PluginView | undefined> {
  const response = await fetch(`${url}/plugins/${id}`, {
    headers: { authorization: `Bearer ${API_KEY}` },
  });
  return response.status === 200 ? ((await response.json()) as PluginView) : undefined;
}

/** Processes whose command line serves a plugin from this data folder. */
async function pluginProcesses(dataDir: string): Promise<number[]> {
  const pids: number[] = [];
  for (const entry of await readdir('/proc')) {
    if (!/^\d+$/.test(entry)) {
      continue;
    }
    const cmdline = await readFile(`/proc/${entry}/cmdline`, 'utf8').catch(() => '');
    // The plugin itself, not the sandbox's launcher, whose command line names the folder too.
    if (
      basename(cmdline.split('\0')[0] ?? '') === 'node' &&
      cmdline.includes('serve') &&
      cmdline.includes(join(dataDir, 'plugins')) &&
      isAlive(Number(entry))
    ) {
      pids.push(Number(entry));
    }
  }
  return pids;
}

async function fdTargets(pid: number): Promise<string[]> {
  const dir = `/proc/${String(pid)}/fd`;
  const fds = await readdir(dir).catch(() => []);
  return Promise.all(fds.map((fd) => readlink(join(dir, fd)).catch(() => '')));
}

describe('plugboard server', () => {
  it('runs without the inspector signal and passes none of the descriptors it inherited into a sandbox', async () => {
    const dataDir = await mkdtemp(join(tmpdir(), 'plugboard-server-fds-'));
    const server = await startServerProcess(dataDir, {}, [9, 200]);
    try {
      const cmdline = await readFile(`/proc/${String(server.child.pid)}/cmdline`, 'utf8');
      expect(cmdline.split('\0')).toContain('--disable-sigusr1');
      const inherited = (await fdTargets(server.child.pid ?? 0)).filter((t) =>
        t.startsWith('pipe:'),
      );
      await fetch(`${server.url}/plugins/faulty/install`, {
        method: 'POST',
        headers: { authorization: `Bearer ${API_KEY}`, 'content-type': 'application/json' },
        body: JSON.stringify({ source: { type: 'local', path: await fixtureFolder() } }),
      });
      await expect
        .poll(async () => (await view(server.url, 'faulty'))?.status, { timeout: 20_000 })
        .toBe('running');
      const plugin = (await view(server.url, 'faulty'))?.pid ?? 0;
      const status = await readFile(`/proc/${String(plugin)}/status`, 'utf8');
      const sandboxInit = Number(/^PPid:\s+(\d+)/m.exec(status)?.[1]);
      for (const pid of [plugin, sandboxInit]) {
        const targets = await fdTargets(pid);
        expect(targets.length).toBeGreaterThan(0);
        for (const target of inherited) {
          expect(targets).not.toContain(target);
        }
      }
    } finally {
      server.child.kill('SIGTERM');
      await new Promise((resolve) => server.child.once('exit', resolve));
    }
    // Stopped gracefully, it kept the plugin's compile cache (unmounted) for a warm next start.
    const [current] = (
      JSON.parse(await readFile(join(dataDir, 'plugins', 'faulty', 'versions.json'), 'utf8')) as {
        versions: { folder: string }[];
      }
    ).versions;
    if (current === undefined) {
      throw new Error('no version recorded');
    }
    expect((await readdir(join(current.folder, 'cache.saved'))).length).toBeGreaterThan(0);
    expect((await readFile('/proc/self/mountinfo', 'utf8')).includes(current.folder)).toBe(false);
  });

  it('survives a SIGKILL and a restart with exactly the plugins it had, one process each', async () => {
    const dataDir = await mkdtemp(join(tmpdir(), 'plugboard-server-proc-'));
    const first = await startServerProcess(dataDir);
    await fetch(`${first.url}/plugins/faulty/install`, {
      method: 'POST',
      headers: { authorization: `Bearer ${API_KEY}`, 'content-type': 'application/json' },
      body: JSON.stringify({ source: { type: 'local', path: await fixtureFolder() } }),
    });
    await expect
      .poll(async () => (await view(first.url, 'faulty'))?.status, { timeout: 20_000 })
      .toBe('running');
    const before = (await view(first.url, 'faulty'))?.pid ?? 0;
    expect(await pluginProcesses(dataDir)).toEqual([before]);

    first.child.kill('SIGKILL');
    await expect.poll(() => isAlive(before), { timeout: 5_000, interval: 100 }).toBe(false);
    expect(await pluginProcesses(dataDir)).toEqual([]);

    const second = await startServerProcess(dataDir);
    await expect
      .poll(async () => (await view(second.url, 'faulty'))?.status, { timeout: 20_000 })
      .toBe('running');
    const after = (await view(second.url, 'faulty'))?.pid ?? 0;
    expect(after).not.toBe(before);
    expect(await pluginProcesses(dataDir)).toEqual([after]);

    second.child.kill('SIGTERM');
    const code = await new Promise((resolve) => second.child.once('exit', resolve));
    expect(code).toBe(0);
    expect(isAlive(after)).toBe(false);
    expect(await pluginProcesses(dataDir)).toEqual([]);
  });

  it('killed while a plugin is still before its handshake, leaves no orphan once it starts again', async () => {
    const dataDir = await mkdtemp(join(tmpdir(), 'plugboard-server-orphan-'));
    // Unsandboxed, nothing but the server's own record can end a process it started.
    const env = {
      PLUGBOARD_SERVER_SANDBOX: 'off',
      PLUGBOARD_SERVER_HANDSHAKE_TIMEOUT_MS: '60000',
    };
    const first = await startServerProcess(dataDir, env);
    await fetch(`${first.url}/plugins/faulty/install`, {
      method: 'POST',
      headers: { authorization: `Bearer ${API_KEY}`, 'content-type': 'application/json' },
      body: JSON.stringify({
        source: { type: 'local', path: await fixtureFolder({ mode: 'hang-before-handshake' }) },
      }),
    });
    await expect
      .poll(async () => (await pluginProcesses(dataDir)).length, { timeout: 20_000 })
      .toBe(1);
    const [hung = 0] = await pluginProcesses(dataDir);
    first.child.kill('SIGKILL');
    await new Promise((resolve) => first.child.once('exit', resolve));

    const second = await startServerProcess(dataDir, env);
    try {
      await expect.poll(() => isAlive(hung), { timeout: 10_000, interval: 100 }).toBe(false);
      // Nothing of the interrupted install is left: no version folder, no record of it.
      await expect
        .poll(async () => readdir(join(dataDir, 'plugins')).catch(() => []), { timeout: 5_000 })
        .toEqual([]);
    } finally {
      second.child.kill('SIGTERM');
      await new Promise((resolve) => second.child.once('exit', resolve));
    }
  });

  it('killed and restarted, comes back to exactly the desired state from the platform', async () => {
    const receiver = await startStatusReceiver();
    try {
      const dataDir = await mkdtemp(join(tmpdir(), 'plugboard-server-desired-'));
      const env = {
        PLUGBOARD_PLATFORM_URL: receiver.url,
        PLUGBOARD_WEBHOOK_SECRET: WEBHOOK_SECRET,
      };
      const second = await fixtureFolder();
      await rewriteId(second, 'second');
      receiver.desired = [
        {
          id: 'faulty',
          source: { type: 'local', path: await fixtureFolder() },
          status: 'installing',
        },
      ];
      const first = await startServerProcess(dataDir, env);
      await receiver.waitFor(() => receiver.statuses('faulty').includes('running'));
      const before = (await view(first.url, 'faulty'))?.pid ?? 0;

      first.child.kill('SIGKILL');
      receiver.desired = [
        ...receiver.desired,
        { id: 'second', source: { type: 'local', path: second }, status: 'installing' },
      ];
      const again = await startServerProcess(dataDir, env);
      await receiver.waitFor(
        () =>
          receiver.statuses('second').includes('running') &&
          receiver.statuses('faulty').at(-1) === 'running',
        30_000,
      );
      const pids = await pluginProcesses(dataDir);
      const running = [
        (await view(again.url, 'faulty'))?.pid,
        (await view(again.url, 'second'))?.pid,
      ];
      expect(pids.sort()).toEqual(running.sort());
      expect(pids).not.toContain(before);
      expect(receiver.received.every((e) => e.verified)).toBe(true);

      again.child.kill('SIGTERM');
      await new Promise((resolve) => again.child.once('exit', resolve));
      expect(await pluginProcesses(dataDir)).toEqual([]);
    } finally {
      await receiver.close();
    }
  });
});
