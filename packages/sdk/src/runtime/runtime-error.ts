/**
 * @module Errors that stop a plugin process from starting, each with a code and the fix.
 */

export const RUNTIME_ERROR_CODES = {
  SDK_CONFIG_INVALID: 'The serve options or environment are invalid.',
  SDK_PLUGIN_LOAD_FAILED:
    'The plugin folder, its package.json entry or its module could not be loaded.',
  SDK_LISTEN_FAILED: 'The HTTP server could not bind its port.',
} as const;
export type RuntimeErrorCode = keyof typeof RUNTIME_ERROR_CODES;

export class RuntimeError extends Error {
  readonly code: RuntimeErrorCode;

  constructor(code: RuntimeErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'RuntimeError';
    this.code = code;
  }
}
