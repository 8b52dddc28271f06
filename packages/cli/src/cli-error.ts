/**
 * @module CliError: a failure the CLI reports as one line with its code and the fix, then exits.
 */

export const CLI_ERROR_CODES = {
  CLI_USAGE: 'The command line is wrong (unknown option, missing argument).',
  CLI_TARGET_EXISTS: 'The folder `plugin init` would create already exists.',
  CLI_PLUGIN_INVALID: 'The plugin failed validation.',
  CLI_PACK_FAILED: 'The archive could not be written.',
  CLI_TESTS_FAILED: "The plugin's tests failed.",
  CLI_TYPECHECK_FAILED: 'The plugin has type errors.',
  CLI_START_FAILED: '`plugboard start` could not bring the system up.',
  CLI_ROTATION_FAILED:
    '`plugboard secrets rotate` could not begin (the start folder is in use or has no keys).',
  CLI_ROTATION_INCOMPLETE:
    'A secret key rotation ended with values still under an old key (stopped, or written meanwhile); run it again.',
} as const;
export type CliErrorCode = keyof typeof CLI_ERROR_CODES;

export class CliError extends Error {
  readonly code: CliErrorCode;
  readonly exitCode: number;

  constructor(code: CliErrorCode, message: string, exitCode = 1) {
    super(message);
    this.name = 'CliError';
    this.code = code;
    this.exitCode = exitCode;
  }
}
