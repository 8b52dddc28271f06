// The real system for the UI tests: `npm start` from the repository root in its own process group
// (its prestart builds the UI when needed), stopped with Ctrl-C to the group; and Debian's
// Chromium driven by playwright-core.
import { spawn, type ChildProcess } from 'node:child_process';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium, type Browser } from 'playwright-core';

export const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
export const CLI = join(ROOT, 'packages/cli/bin/plugboard.js');
export const CHROMIUM = process.env['PLUGBOARD_CHROMIUM'] ?? '/usr/bin/chromium';

export interface System {
  readonly child: ChildProcess;
  readonly url: string;
  readonly token: string;
  readonly output: () => string;
}

export async function startSystem(dataDir: string): Promise<System> {
  const child = spawn(
    'npm',
    ['start', '--', '--data-dir', dataDir, '--port', '0', '--server-port', '0'],
    {
      cwd: ROOT,
      detached: true,
      env: { PATH: process.env['PATH'] ?? '', HOME: process.env['HOME'] ?? tmpdir() },
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  let seen = '';
  child.stdout.on('data', (c: Buffer) => (seen += c.toString()));
  child.stderr.on('data', (c: Buffer) => (seen += c.toString()));
  await new Promise<void>((resolve, reject) => {
    const timer = setInterval(() => {
      if (seen.includes('Ctrl-C stops everything')) {
        clearInterval(timer);
        resolve();
      }
    }, 50);
    child.once('exit', (code) => {
      clearInterval(timer);
      reject(new Error(`npm start exited with ${String(code)}:\n${seen}`));
    });
  });
  const url = /web UI\s+(http:\/\/\S+?)\/?\s/.exec(seen)?.[1];
  const token = /admin token\s+(pbt_\S+)/.exec(seen)?.[1];
  if (url === undefined || token === undefined) {
    throw new Error(`no web UI URL or admin token in the output (is the UI built?):\n${seen}`);
  }
  return { child, url, token, output: () => seen };
}

/** Ctrl-C to the whole group; resolves once every process of it is gone. */
export async function stopSystem(system: System): Promise<void> {
  const group = -(system.child.pid ?? 0);
  try {
    process.kill(group, 'SIGINT');
  } catch {
    return;
  }
  const deadline = Date.now() + 60_000;
  while (Date.now() < deadline) {
    try {
      process.kill(group, 0);
    } catch {
      return;
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  process.kill(group, 'SIGKILL');
}

export function launchChromium(): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM,
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--no-first-run',
    ],
  });
}

/** `plugboard plugin pack <dir> --out <file>`, with the project's Node. */
export function pack(dir: string, out: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [CLI, 'plugin', 'pack', join(ROOT, dir), '--out', out], {
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    let stderr = '';
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
    child.on('exit', (code) => {
      if (code === 0) {
        resolve();
      } else {
        reject(new Error(`pack ${dir} failed (${String(code)}): ${stderr}`));
      }
    });
  });
}
