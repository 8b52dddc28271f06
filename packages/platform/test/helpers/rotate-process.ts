// `plugboard secrets rotate` as a real process, started from the CLI like an operator would: its
// output is kept, and a test may wait for a line of it and stop it (a signal, or SIGKILL for a
// crash).
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { CLI_BIN } from './worker-process.ts';

export interface RotateChild {
  readonly child: ChildProcess;
  stdout(): string;
  stderr(): string;
  /** Resolves with the exit code (or the signal's name) once it has exited. */
  readonly exited: Promise<number | string>;
  /** Resolves once its stderr matches, rejects when it exits first or after `timeoutMs`. */
  waitFor(pattern: RegExp, timeoutMs?: number): Promise<void>;
}

export function spawnRotate(args: readonly string[], env: Record<string, string>): RotateChild {
  const child = spawn(process.execPath, [CLI_BIN, 'secrets', 'rotate', ...args], {
    env: { PATH: process.env['PATH'] ?? '', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  let done = false;
  const exited = once(child, 'exit').then(([code, signal]) => {
    done = true;
    return (code as number | null) ?? (signal as string);
  });
  return {
    child,
    stdout: () => stdout,
    stderr: () => stderr,
    exited,
    async waitFor(pattern, timeoutMs = 20_000) {
      const deadline = Date.now() + timeoutMs;
      while (!pattern.test(stderr)) {
        if (done || Date.now() > deadline) {
          throw new Error(
            `plugboard secrets rotate did not print ${String(pattern)} (${done ? 'it exited' : 'timed out'}):\n${stdout}\n${stderr}`,
          );
        }
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
    },
  };
}

/** Runs it to its end. */
export async function runRotate(
  args: readonly string[],
  env: Record<string, string>,
): Promise<{ code: number | string; stdout: string; stderr: string }> {
  const rotate = spawnRotate(args, env);
  const code = await rotate.exited;
  return { code, stdout: rotate.stdout(), stderr: rotate.stderr() };
}
