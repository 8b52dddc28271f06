/**
 * @module `plugboard plugin test`: runs a plugin's `test/**\/*.test.ts` with Node's test runner,
 * with `@plugboard/sdk` resolved to the CLI's own copy (no install needed).
 */
import { spawn } from 'node:child_process';
import { resolve } from 'node:path';
import { CliError } from '../cli-error.ts';
import { exitCodeOf } from './child-exit.ts';

export async function testPlugin(dir: string, patterns: readonly string[]): Promise<void> {
  const register = import.meta.resolve('@plugboard/sdk/runtime/register');
  const globs = patterns.length > 0 ? patterns : ['test/**/*.test.ts'];
  const child = spawn(process.execPath, ['--import', register, '--test', ...globs], {
    cwd: resolve(dir),
    stdio: 'inherit',
  });
  const code = await exitCodeOf(child);
  if (code !== 0) {
    throw new CliError(
      'CLI_TESTS_FAILED',
      `the plugin's tests failed (node --test exited with ${String(code)})`,
      code,
    );
  }
}
