// The `plugboard` command as a child process, as a user runs it, for the root test suites.
import { spawn } from 'node:child_process';
import { CLI } from './npm-start.ts';

export interface CliResult {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

export function runPlugboard(
  args: readonly string[],
  options: { cwd?: string; node?: string } = {},
): Promise<CliResult> {
  return new Promise((resolve) => {
    const child = spawn(options.node ?? process.execPath, [CLI, ...args], {
      ...(options.cwd === undefined ? {} : { cwd: options.cwd }),
      env: { PATH: process.env['PATH'] ?? '' },
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
    child.on('exit', (code) => {
      resolve({ code, stdout, stderr });
    });
  });
}

/** Runs it and answers its trimmed stdout; fails with its stderr when it exits non-zero. */
export async function plugboardOk(args: readonly string[], cwd: string): Promise<string> {
  const result = await runPlugboard(args, { cwd });
  if (result.code !== 0) {
    throw new Error(
      `plugboard ${args.join(' ')} failed (${String(result.code)}): ${result.stderr}`,
    );
  }
  return result.stdout.trim();
}
