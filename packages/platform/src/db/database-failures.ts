/**
 * @module Which database failures are the database's state rather than the request's or ours: a
 * database that cannot be reached, does not answer in time or is shutting down (503, retryable),
 * and one whose disk is full (507). Every adapter throws these as coded platform errors.
 */
import { PlatformError } from '../errors.ts';

/** Node's socket errors: the server is not there, or went away. */
const SOCKET_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'EPIPE',
  'ETIMEDOUT',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ENOTFOUND',
  'EAI_AGAIN',
]);

/**
 * SQLSTATEs of a database that cannot serve now: connection exceptions (class 08), too many
 * connections, a statement cancelled by its timeout, shutdown and recovery.
 */
const UNAVAILABLE_STATES = new Set(['53300', '57014', '57P01', '57P02', '57P03', '58000']);

/** node-postgres reports a lost or timed-out connection only in its message. */
const UNAVAILABLE_MESSAGES = [
  'Connection terminated',
  'timeout exceeded when trying to connect',
  'Query read timeout',
  'Client has encountered a connection error',
  'Connection ended',
];

function databaseFailure(error: unknown, where: string): PlatformError | undefined {
  if (error instanceof PlatformError) {
    return undefined;
  }
  const code = (error as { code?: unknown } | undefined)?.code;
  const message = error instanceof Error ? error.message : String(error);
  if (code === 'ENOSPC' || code === 'EDQUOT' || code === '53100') {
    return new PlatformError(
      'PLAT_DISK_FULL',
      `the disk of ${where} is full (${message}); free space on it and retry`,
      { cause: error },
    );
  }
  if (
    (typeof code === 'string' &&
      (SOCKET_CODES.has(code) || UNAVAILABLE_STATES.has(code) || code.startsWith('08'))) ||
    UNAVAILABLE_MESSAGES.some((m) => message.includes(m))
  ) {
    return new PlatformError(
      'PLAT_DATABASE_UNAVAILABLE',
      `${where} is not answering (${message}); retry shortly`,
      { cause: error },
    );
  }
  return undefined;
}

/** Runs one database call, rethrowing the database's own state as a coded error. */
export async function coded<T>(where: string, call: () => Promise<T>): Promise<T> {
  try {
    return await call();
  } catch (error) {
    throw databaseFailure(error, where) ?? error;
  }
}
