/**
 * @module The exit code of a child process the CLI hands the terminal to (a test runner, the
 * compiler), a signal counted as a failure.
 */
import type { ChildProcess } from 'node:child_process';

export function exitCodeOf(child: ChildProcess): Promise<number> {
  return new Promise((done) => {
    child.on('exit', (exitCode, signal) => {
      done(exitCode ?? (signal === null ? 1 : 128));
    });
  });
}
