// Shared measuring tools for the benchmarks: start a process until its handshake line, read its
// private memory, summarise samples.
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { readFile } from 'node:fs/promises';

export interface Started {
  readonly child: ChildProcess;
  readonly msToHandshake: number;
  /** The handshake line itself, e.g. `PLUGBOARD_PLUGIN|1|127.0.0.1|<port>`. */
  readonly handshake: string;
}

export async function startUntilHandshake(
  args: readonly string[],
  env: Record<string, string>,
): Promise<Started> {
  const began = performance.now();
  const child = spawn(process.execPath, args, { env, stdio: ['ignore', 'pipe', 'ignore'] });
  const handshake = await new Promise<string>((resolve, reject) => {
    let seen = '';
    child.stdout.on('data', (chunk: Buffer) => {
      seen += chunk.toString();
      if (seen.includes('\n')) {
        resolve(seen.slice(0, seen.indexOf('\n')));
      }
    });
    child.once('exit', (code) => {
      reject(new Error(`exited with ${String(code)} before its handshake: ${args.join(' ')}`));
    });
  });
  return { child, msToHandshake: performance.now() - began, handshake };
}

export async function stop(child: ChildProcess): Promise<void> {
  if (child.exitCode === null && child.signalCode === null) {
    child.kill('SIGTERM');
    await once(child, 'exit');
  }
}

/** One memory field of /proc/<pid>/status (VmRSS, VmHWM, RssAnon…), in kB. */
export async function statusKb(pid: number, field: string): Promise<number> {
  const status = await readFile(`/proc/${String(pid)}/status`, 'utf8');
  return Number(new RegExp(`${field}:\\s+(\\d+)`).exec(status)?.[1] ?? Number.NaN);
}

/** Private anonymous memory: what one more process of this kind costs (code pages are shared). */
export const rssAnonKb = (pid: number): Promise<number> => statusKb(pid, 'RssAnon');

export function percentile(samples: readonly number[], p: number): number {
  const sorted = [...samples].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? Number.NaN;
}

export const sleep = (ms: number): Promise<void> =>
  new Promise((resolve) => setTimeout(resolve, ms));
