/**
 * @module The Plugin Server's error codes: each with its kind, HTTP status and retry rule, and
 * ServerError, the one error type its code throws.
 */
import { CodedFailure, type FailureSpec } from '@plugboard/protocol';
import { isDiskFull } from '@plugboard/server-api';

export const SERVER_ERROR_CODES = {
  PSRV_CONFIG_INVALID: { kind: 'user', status: 500, retryable: false },
  PSRV_UNAUTHORIZED: { kind: 'user', status: 401, retryable: false },
  PSRV_BAD_REQUEST: { kind: 'user', status: 400, retryable: false },
  PSRV_NOT_FOUND: { kind: 'user', status: 404, retryable: false },
  PSRV_PLUGIN_NOT_FOUND: { kind: 'user', status: 404, retryable: false },
  PSRV_NODE_NOT_FOUND: { kind: 'user', status: 404, retryable: false },
  PSRV_CONFLICT: { kind: 'user', status: 409, retryable: true },
  PSRV_PAYLOAD_TOO_LARGE: { kind: 'user', status: 413, retryable: false },
  PSRV_SOURCE_REFUSED: { kind: 'user', status: 400, retryable: false },
  PSRV_SOURCE_FAILED: { kind: 'operational', status: 502, retryable: true },
  PSRV_SOURCE_TIMEOUT: { kind: 'operational', status: 504, retryable: true },
  PSRV_SOURCE_TOO_LARGE: { kind: 'user', status: 413, retryable: false },
  PSRV_INTEGRITY_MISMATCH: { kind: 'user', status: 400, retryable: false },
  PSRV_ARCHIVE_INVALID: { kind: 'user', status: 400, retryable: false },
  PSRV_GIT_URL_REFUSED: { kind: 'user', status: 400, retryable: false },
  PSRV_GIT_FAILED: { kind: 'operational', status: 502, retryable: true },
  PSRV_PACKAGE_INVALID: { kind: 'plugin', status: 422, retryable: false },
  PSRV_INSTALL_FAILED: { kind: 'plugin', status: 422, retryable: false },
  PSRV_START_FAILED: { kind: 'plugin', status: 502, retryable: true },
  PSRV_NOT_GRANTED: { kind: 'user', status: 403, retryable: false },
  PSRV_SANDBOX_UNAVAILABLE: { kind: 'operational', status: 503, retryable: false },
  PSRV_UNAVAILABLE: { kind: 'operational', status: 503, retryable: true },
  PSRV_PLUGIN_UNAVAILABLE: { kind: 'operational', status: 503, retryable: true },
  PSRV_PLUGIN_OVERLOADED: { kind: 'operational', status: 503, retryable: true },
  PSRV_PLUGIN_CRASHED: { kind: 'plugin', status: 502, retryable: false },
  PSRV_PLUGIN_TIMEOUT: { kind: 'operational', status: 504, retryable: true },
  PSRV_DISK_FULL: { kind: 'operational', status: 507, retryable: true },
  PSRV_INTERNAL: { kind: 'internal', status: 500, retryable: false },
} as const satisfies Record<string, FailureSpec>;

export type ServerErrorCode = keyof typeof SERVER_ERROR_CODES;

export class ServerError extends CodedFailure<ServerErrorCode> {
  constructor(
    code: ServerErrorCode,
    message: string,
    options: { details?: Record<string, unknown>; cause?: unknown } = {},
  ) {
    super({ code, spec: SERVER_ERROR_CODES[code], message, ...options });
    this.name = 'ServerError';
  }
}

/** Any failure as a coded one: a full disk as such, anything unexpected as a bug of ours. */
export function asServerError(error: unknown): ServerError {
  if (error instanceof ServerError) {
    return error;
  }
  if (isDiskFull(error)) {
    return new ServerError(
      'PSRV_DISK_FULL',
      "the disk holding the Plugin Server's data folder is full; free space there and retry",
    );
  }
  return new ServerError(
    'PSRV_INTERNAL',
    `this is a bug in the Plugin Server: ${(error as Error).message}`,
  );
}
