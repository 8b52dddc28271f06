/**
 * @module PluginFailure: an error on its way out of the plugin process as an error envelope.
 */
import {
  PLUGIN_ERROR_CODES,
  toErrorEnvelope,
  type ErrorEnvelope,
  type ErrorKind,
  type PluginErrorCode,
} from '@plugboard/protocol';

interface FailureFields {
  readonly code: string;
  readonly kind: ErrorKind;
  readonly status: number;
  readonly retryable: boolean;
  readonly message: string;
  readonly details?: Record<string, unknown> | undefined;
}

/**
 * What a failed harness call rejects with: the error a plugin process would answer, with the HTTP
 * status it would carry. A node's PluginError arrives with its own code, kind `plugin`, status 422.
 */
export class PluginFailure extends Error {
  /** The PluginError's code, or one of the protocol's (`PLUGIN_VALIDATION_FAILED`, …). */
  readonly code: string;
  /** Who must act on it: `user`, `operational`, `plugin` or `internal`. */
  readonly kind: ErrorKind;
  /** The HTTP status a plugin process would answer with. */
  readonly status: number;
  /** Whether the same call may succeed later. */
  readonly retryable: boolean;
  /** Facts for the caller: the PluginError's details, or e.g. `issues` for invalid inputs. */
  readonly details: Record<string, unknown> | undefined;

  /** @internal */
  constructor(fields: FailureFields) {
    super(fields.message);
    this.name = 'PluginFailure';
    this.code = fields.code;
    this.kind = fields.kind;
    this.status = fields.status;
    this.retryable = fields.retryable;
    this.details = fields.details;
  }

  /**
   * @internal A failure with one of the protocol's own codes; kind, status and retry come from
   * the table.
   */
  static of(
    code: PluginErrorCode,
    message: string,
    details?: Record<string, unknown>,
  ): PluginFailure {
    const spec = PLUGIN_ERROR_CODES[code];
    return new PluginFailure({
      code,
      kind: spec.kind,
      status: spec.status,
      retryable: spec.retryable,
      message,
      details,
    });
  }

  /** @internal */
  toEnvelope(): ErrorEnvelope {
    return toErrorEnvelope(this);
  }
}
