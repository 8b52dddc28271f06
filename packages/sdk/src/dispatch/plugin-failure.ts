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

export class PluginFailure extends Error {
  readonly code: string;
  readonly kind: ErrorKind;
  readonly status: number;
  readonly retryable: boolean;
  readonly details: Record<string, unknown> | undefined;

  constructor(fields: FailureFields) {
    super(fields.message);
    this.name = 'PluginFailure';
    this.code = fields.code;
    this.kind = fields.kind;
    this.status = fields.status;
    this.retryable = fields.retryable;
    this.details = fields.details;
  }

  /** A failure with one of the protocol's own codes; kind, status and retry come from the table. */
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

  toEnvelope(): ErrorEnvelope {
    return toErrorEnvelope(this);
  }
}
