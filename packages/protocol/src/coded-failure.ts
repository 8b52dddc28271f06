/**
 * @module CodedFailure: the base of each service's error type. A stable code looked up in that
 * service's table of codes (kind, HTTP status, retry rule), a message that says what to do, and
 * the one JSON envelope every API answers with.
 */
import {
  toErrorEnvelope,
  type CodedError,
  type ErrorEnvelope,
  type ErrorKind,
} from './error-envelope.ts';
import type { ErrorCodeSpec } from './plugin-error-codes.ts';

/** What a service's table says about one code. */
export type FailureSpec = Pick<ErrorCodeSpec, 'kind' | 'status' | 'retryable'>;

export class CodedFailure<Code extends string> extends Error implements CodedError {
  readonly code: Code;
  readonly kind: ErrorKind;
  readonly status: number;
  readonly retryable: boolean;
  readonly details: Record<string, unknown> | undefined;

  constructor(init: {
    readonly code: Code;
    readonly spec: FailureSpec;
    readonly message: string;
    readonly details?: Record<string, unknown> | undefined;
    readonly cause?: unknown;
  }) {
    super(init.message, init.cause === undefined ? undefined : { cause: init.cause });
    this.code = init.code;
    this.kind = init.spec.kind;
    this.status = init.spec.status;
    this.retryable = init.spec.retryable;
    this.details = init.details;
  }

  toEnvelope(): ErrorEnvelope {
    return toErrorEnvelope(this);
  }
}
