/**
 * @module The platform's error codes, each with its kind, HTTP status and retry rule, and
 * PlatformError, the one error type its code throws. Every API answers failures with the same
 * envelope as the Plugin Server and plugin processes.
 */
import { CodedFailure, type FailureSpec } from '@plugboard/protocol';

export const PLATFORM_ERROR_CODES = {
  PLAT_CONFIG_INVALID: { kind: 'user', status: 500, retryable: false },
  PLAT_UNAUTHORIZED: { kind: 'user', status: 401, retryable: false },
  PLAT_FORBIDDEN: { kind: 'user', status: 403, retryable: false },
  PLAT_BAD_REQUEST: { kind: 'user', status: 400, retryable: false },
  PLAT_NOT_FOUND: { kind: 'user', status: 404, retryable: false },
  PLAT_PLUGIN_NOT_FOUND: { kind: 'user', status: 404, retryable: false },
  PLAT_WORKFLOW_NOT_FOUND: { kind: 'user', status: 404, retryable: false },
  PLAT_RUN_NOT_FOUND: { kind: 'user', status: 404, retryable: false },
  PLAT_FILE_NOT_FOUND: { kind: 'user', status: 404, retryable: false },
  PLAT_CREDENTIAL_NOT_FOUND: { kind: 'user', status: 404, retryable: false },
  PLAT_CONFLICT: { kind: 'user', status: 409, retryable: false },
  PLAT_IDEMPOTENCY_KEY_REUSED: { kind: 'user', status: 422, retryable: false },
  PLAT_IDEMPOTENCY_IN_PROGRESS: { kind: 'operational', status: 409, retryable: true },
  PLAT_PAYLOAD_TOO_LARGE: { kind: 'user', status: 413, retryable: false },
  PLAT_WORKFLOW_INVALID: { kind: 'user', status: 422, retryable: false },
  PLAT_INPUTS_INVALID: { kind: 'user', status: 422, retryable: false },
  PLAT_CONFIG_REJECTED: { kind: 'user', status: 422, retryable: false },
  PLAT_CREDENTIALS_REJECTED: { kind: 'user', status: 422, retryable: false },
  PLAT_WEBHOOK_REJECTED: { kind: 'user', status: 401, retryable: false },
  PLAT_PLUGIN_NOT_READY: { kind: 'operational', status: 409, retryable: true },
  PLAT_PLUGIN_SERVER_UNAVAILABLE: { kind: 'operational', status: 502, retryable: true },
  PLAT_PLUGIN_SERVER_ERROR: { kind: 'operational', status: 502, retryable: false },
  PLAT_NODE_FAILED: { kind: 'plugin', status: 502, retryable: false },
  PLAT_NODE_TIMEOUT: { kind: 'operational', status: 504, retryable: true },
  PLAT_CANCELLED: { kind: 'user', status: 409, retryable: false },
  PLAT_WORKER_STOPPED: { kind: 'operational', status: 503, retryable: true },
  PLAT_DATABASE_UNAVAILABLE: { kind: 'operational', status: 503, retryable: true },
  PLAT_DISK_FULL: { kind: 'operational', status: 507, retryable: true },
  PLAT_DATABASE_IN_USE: { kind: 'operational', status: 503, retryable: false },
  PLAT_SECRET_UNREADABLE: { kind: 'operational', status: 500, retryable: false },
  PLAT_INTERNAL: { kind: 'internal', status: 500, retryable: false },
} as const satisfies Record<string, FailureSpec>;

export type PlatformErrorCode = keyof typeof PLATFORM_ERROR_CODES;

export class PlatformError extends CodedFailure<PlatformErrorCode> {
  constructor(
    code: PlatformErrorCode,
    message: string,
    options: { details?: Record<string, unknown>; cause?: unknown } = {},
  ) {
    super({ code, spec: PLATFORM_ERROR_CODES[code], message, ...options });
    this.name = 'PlatformError';
  }
}
