/**
 * @module The one JSON error body every Plugboard API answers with.
 */
import { z } from 'zod';

/** Who must act on an error: the caller, the operator's environment, the plugin's author, or us. */
export const ERROR_KINDS = ['user', 'operational', 'plugin', 'internal'] as const;
export type ErrorKind = (typeof ERROR_KINDS)[number];

export const issueSchema = z
  .object({
    path: z
      .array(z.union([z.string(), z.number()]))
      .describe('Where the problem is, from the root of the checked value.'),
    message: z.string(),
    code: z.string().optional(),
  })
  .meta({ id: 'Issue' });
/**
 * One problem with a checked value: where it is (`path`, from the value's root), what it is
 * (`message`), and a machine-readable `code` when there is one.
 *
 * @interface
 */
export type Issue = z.infer<typeof issueSchema>;

export const errorEnvelopeSchema = z
  .object({
    error: z.object({
      code: z.string().describe('Stable, machine-readable code; never reused for another meaning.'),
      kind: z.enum(ERROR_KINDS),
      message: z.string().describe('What went wrong and what to do about it.'),
      retryable: z.boolean().describe('Whether the same request may succeed if sent again later.'),
      details: z.record(z.string(), z.unknown()).optional(),
    }),
  })
  .meta({ id: 'ErrorEnvelope' });
export type ErrorEnvelope = z.infer<typeof errorEnvelopeSchema>;

/** The fields every coded error carries, whichever package's error class holds them. */
export interface CodedError {
  readonly code: string;
  readonly kind: ErrorKind;
  readonly message: string;
  readonly retryable: boolean;
  readonly details?: Record<string, unknown> | undefined;
}

/** The one envelope, built the same way by every service (no `details` key when there are none). */
export function toErrorEnvelope(error: CodedError): ErrorEnvelope {
  return {
    error: {
      code: error.code,
      kind: error.kind,
      message: error.message,
      retryable: error.retryable,
      ...(error.details === undefined ? {} : { details: error.details }),
    },
  };
}

/**
 * A whole HTTP response carrying the envelope, for the answers a server writes to the socket
 * before any framework runs (a request line or headers too large or malformed). The connection
 * closes after it: what follows on it cannot be trusted to be a request.
 */
export function envelopeHttpResponse(status: number, error: CodedError): string {
  const body = JSON.stringify(toErrorEnvelope(error));
  return [
    `HTTP/1.1 ${String(status)} ${STATUS_TEXT[status] ?? 'Bad Request'}`,
    'content-type: application/json; charset=utf-8',
    `content-length: ${String(Buffer.byteLength(body))}`,
    'connection: close',
    '',
    body,
  ].join('\r\n');
}

const STATUS_TEXT: Readonly<Record<number, string>> = {
  400: 'Bad Request',
  408: 'Request Timeout',
  431: 'Request Header Fields Too Large',
};

/** The status and words for a client error Node's HTTP parser reports on a socket. */
function describeClientError(code: string | undefined): { status: number; message: string } {
  if (code === 'HPE_HEADER_OVERFLOW') {
    return {
      status: 431,
      message:
        'the request line and headers are over the size limit; send a shorter URL or fewer headers',
    };
  }
  if (code === 'ERR_HTTP_REQUEST_TIMEOUT') {
    return { status: 408, message: 'the request took too long to arrive; send it again' };
  }
  return { status: 400, message: 'the request is not valid HTTP' };
}

/** Answers a client error on the raw socket with the envelope (Fastify's `clientErrorHandler`). */
export function writeClientError(
  error: Error & { code?: string },
  socket: { writable: boolean; end(data: string): void; destroy(): void },
  code: string,
): void {
  if (!socket.writable || error.code === 'ECONNRESET') {
    socket.destroy();
    return;
  }
  const { status, message } = describeClientError(error.code);
  socket.end(
    envelopeHttpResponse(status, { code, kind: 'user', message, retryable: status === 408 }),
  );
}
