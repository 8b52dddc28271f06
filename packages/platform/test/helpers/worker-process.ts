// `plugboard worker` as a real process, started from the CLI like an operator would, with the
// platform's environment; its output is kept for assertions and failure messages.
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';

export const CLI_BIN = fileURLToPath(new URL('../../../cli/bin/plugboard.js', import.meta.url));

export interface WorkerChild {
  readonly child: ChildProcess;
  /** Everything it wrote to stdout and stderr so far. */
  output(): string;
  /** Resolves with the exit code (or the signal's name) once it has exited. */
  readonly exited: Promise<number | string>;
}

export function spawnWorker(args: readonly string[], env: Record<string, string>): WorkerChild {
  const child = spawn(process.execPath, [CLI_BIN, 'worker', ...args], {
    env: { PATH: process.env['PATH'] ?? '', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const exited = once(child, 'exit').then(
    ([code, signal]) => (code as number | null) ?? (signal as string),
  );
  return { child, output: () => output, exited };
}

/** Starts a worker and waits until it says it takes runs; resolves with its id. */
export async function startWorker(
  args: readonly string[],
  env: Record<string, string>,
): Promise<WorkerChild & { id: string }> {
  const worker = spawnWorker(args, env);
  const deadline = Date.now() + 20_000;
  for (;;) {
    const id = /Worker (worker_[A-Za-z0-9_-]+) taking runs/.exec(worker.output())?.[1];
    if (id !== undefined) {
      return { ...worker, id };
    }
    const done = await Promise.race([
      worker.exited,
      new Promise<undefined>((resolve) => {
        setTimeout(() => {
          resolve(undefined);
        }, 50);
      }),
    ]);
    if (done !== undefined || Date.now() > deadline) {
      worker.child.kill('SIGKILL');
      throw new Error(
        `plugboard worker did not start (${String(done ?? 'timed out')}):\n${worker.output()}`,
      );
    }
  }
}
