/**
 * @module PluginError: how a node says "this failed, here is why" in a way callers can act on.
 */

const PLUGIN_ERROR_BRAND = Symbol.for('plugboard.PluginError');

/** The second argument of `new PluginError(message, options)`. */
export interface PluginErrorOptions {
  /** Stable, machine-readable code such as `RATE_LIMITED`; callers branch on it. */
  readonly code: string;
  /** Whether running the node again later may succeed. @default false */
  readonly retryable?: boolean;
  /** Extra JSON-serialisable facts for the caller (an upstream status, a field name). */
  readonly details?: Record<string, unknown>;
  /** The error that led to this one (`Error.cause`); it is not sent to the caller. */
  readonly cause?: unknown;
}

/**
 * Throw from a node, hook or integration to fail with a code, a message for people and a retry hint.
 * Anything else thrown is reported too, with its message kept, as `PLUGIN_UNHANDLED_ERROR`.
 *
 * @example
 * ```ts
 * if (response.status === 429) {
 *   throw new PluginError('The API rate limit was hit; try again in a minute', { code: 'RATE_LIMITED', retryable: true });
 * }
 * ```
 */
export class PluginError extends Error {
  /** As in {@link PluginErrorOptions.code}. */
  readonly code: string;
  /** As in {@link PluginErrorOptions.retryable}; `false` when not given. */
  readonly retryable: boolean;
  /** As in {@link PluginErrorOptions.details}. */
  readonly details: Record<string, unknown> | undefined;

  constructor(message: string, options: PluginErrorOptions) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'PluginError';
    this.code = options.code;
    this.retryable = options.retryable ?? false;
    this.details = options.details;
    Object.defineProperty(this, PLUGIN_ERROR_BRAND, { value: true });
  }
}

/** True for a PluginError from any copy of the SDK (a brand, not `instanceof`). */
export function isPluginError(value: unknown): value is PluginError {
  return typeof value === 'object' && value !== null && PLUGIN_ERROR_BRAND in value;
}
