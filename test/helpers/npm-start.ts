// The whole system as a user starts it: `npm start` from the repository root (the machine's npm,
// Node 24 brought by the project), in its own process group so Ctrl-C reaches all of it as a
// terminal would send it. Shared by the end-to-end and the web UI tests.
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const ROOT = fileURLToPath(new URL('../../', import.meta.url));
export const CLI = join(ROOT, 'packages/cli/bin/plugboard.js');

export interface Started {
  readonly child: ChildProcess;
  readonly output: () => string;
}

/** A program on PATH outside the project's node_modules: what a new user's shell would run. */
export function machine(program: string): string | undefined {
  for (const dir of (process.env['PATH'] ?? '').split(delimiter)) {
    if (!dir.includes('node_modules') && existsSync(join(dir, program))) {
      return join(dir, program);
    }
  }
  return undefined;
}

/** Runs `npm start -- <args>` and resolves once it says it is running. */
export async function npmStart(args: readonly string[]): Promise<Started> {
  const child = spawn(machine('npm') ?? 'npm', ['start', '--', ...args], {
    cwd: ROOT,
    detached: true,
    env: { PATH: process.env['PATH'] ?? '', HOME: process.env['HOME'] ?? tmpdir() },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
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
  return { child, output: () => seen };
}

/**
 * Ctrl-C to the whole group; resolves once every process of it (npm, the shell, plugboard) is
 * gone, and fails when something is still running after a minute.
 */
export async function ctrlC(started: Started): Promise<void> {
  const group = -(started.child.pid ?? 0);
  try {
    process.kill(group, 'SIGINT');
  } catch {
    return; // Already gone.
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
  throw new Error(`still running 60 s after Ctrl-C:\n${started.output()}`);
}
