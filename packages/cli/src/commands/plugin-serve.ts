/**
 * @module `plugboard plugin serve`: its flags (one table for the parser and the help) and the run.
 */
import { parseArgs } from 'node:util';
import type { ServeOptionsInput } from '@plugboard/sdk/runtime';
import { CliError } from '../cli-error.ts';

/** Values stay strings here; the runtime's option schema coerces them and reports every problem. */
export const SERVE_FLAGS = {
  port: { key: 'port', value: '<port>', description: 'port on 127.0.0.1, 0 for any free one' },
  'max-concurrency': {
    key: 'maxConcurrency',
    value: '<n>',
    description: 'executions in flight before 503',
  },
  'drain-timeout-ms': {
    key: 'drainTimeoutMs',
    value: '<ms>',
    description: 'grace period for in-flight work after SIGTERM',
  },
  'default-timeout-ms': {
    key: 'defaultTimeoutMs',
    value: '<ms>',
    description: 'deadline when a request names none',
  },
  'log-level': {
    key: 'logLevel',
    value: '<level>',
    description: 'fatal, error, warn, info, debug, trace or silent',
  },
} as const satisfies Record<
  string,
  { key: keyof ServeOptionsInput; value: string; description: string }
>;

export type ServeFlagValues = Partial<Record<keyof typeof SERVE_FLAGS, string>>;

export function toServeOptions(dir: string, values: ServeFlagValues): Partial<ServeOptionsInput> {
  const options: Record<string, string> = { dir };
  for (const [flag, spec] of Object.entries(SERVE_FLAGS)) {
    const value = values[flag as keyof typeof SERVE_FLAGS];
    if (value !== undefined) {
      options[spec.key] = value;
    }
  }
  return options;
}

/** Parses `[dir] [--flag value]…` with Node's own parser, for the fast path in main.ts. */
export function parseServeArgs(args: readonly string[]): Partial<ServeOptionsInput> {
  try {
    const { values, positionals } = parseArgs({
      args: [...args],
      options: Object.fromEntries(
        Object.keys(SERVE_FLAGS).map((flag) => [flag, { type: 'string' as const }]),
      ),
      allowPositionals: true,
      strict: true,
    });
    if (positionals.length > 1) {
      throw new CliError(
        'CLI_USAGE',
        `serve takes one plugin folder, got ${positionals.join(' ')}`,
        2,
      );
    }
    return toServeOptions(positionals[0] ?? '.', values);
  } catch (error) {
    if (error instanceof CliError) {
      throw error;
    }
    throw new CliError(
      'CLI_USAGE',
      `${(error as Error).message} (run plugboard plugin serve --help for usage)`,
      2,
    );
  }
}

export async function serve(
  options: Partial<ServeOptionsInput>,
  env: Readonly<Record<string, string | undefined>>,
): Promise<number> {
  const { runPluginProcess } = await import('@plugboard/sdk/runtime/process');
  return runPluginProcess({ flags: options, env });
}
