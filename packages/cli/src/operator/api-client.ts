/**
 * @module The platform's HTTP API as the operator commands use it (global fetch): JSON calls,
 * text, uploads, downloads and the run event stream. An error envelope becomes an ApiError with
 * the platform's code; a platform that cannot be reached becomes CLI_UNREACHABLE, saying how to
 * point the CLI at the right one.
 */
import { randomUUID } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { setTimeout as delay } from 'node:timers/promises';
import { Readable } from 'node:stream';
import {
  createApiClient as createContractClient,
  type ApiClient as ContractClient,
  type FileMeta,
} from '@plugboard/platform-api';
import { backoffDelay } from '@plugboard/protocol';
import { readEventStream, type StreamEvent } from '@plugboard/platform-api/event-stream';
import type { Connection } from './connection.ts';
import { ApiError, OperatorError } from './errors.ts';

type FileRef = FileMeta;

/** How long an idempotent request keeps being sent again. */
const RETRY_FOR_MS = 30_000;

/**
 * The platform's API as the contract types it (`call`, `open`), sent with the connection's token.
 * Operations that create something (install, start a run) go with an Idempotency-Key and are sent
 * again with the same key (for a while) when the platform could not be reached or answered a
 * retryable error, so a repeat never creates a second one.
 */
export interface ApiClient extends ContractClient {
  readonly connection: Connection;
  /** Stores a local file with POST /api/files; answers its reference. */
  upload(file: { path: string; name: string; contentType: string }): Promise<FileRef>;
  /** The Server-Sent Events of a run, from after `lastEventId`, until the server ends them. */
  runEvents(
    runId: string,
    options: { lastEventId?: string | undefined; signal?: AbortSignal },
  ): AsyncGenerator<StreamEvent>;
}

interface SendOptions {
  readonly body?: unknown;
  readonly signal?: AbortSignal | undefined;
  readonly headers?: Readonly<Record<string, string>> | undefined;
  readonly raw?: RequestInit['body'];
}

export function createApiClient(connection: Connection): ApiClient {
  const send = async (method: string, path: string, init: SendOptions): Promise<Response> => {
    const headers: Record<string, string> = {
      authorization: `Bearer ${connection.token}`,
      accept: 'application/json',
      ...init.headers,
    };
    let body: RequestInit['body'] = init.raw;
    if (init.body !== undefined) {
      headers['content-type'] = 'application/json';
      body = JSON.stringify(init.body);
    }
    let response: Response;
    try {
      response = await fetch(`${connection.url}${path}`, {
        method,
        headers,
        ...(body === undefined ? {} : { body }),
        ...(init.raw === undefined ? {} : { duplex: 'half' }),
        ...(init.signal === undefined ? {} : { signal: init.signal }),
      });
    } catch (error) {
      if (init.signal?.aborted === true) {
        throw error;
      }
      throw unreachable(connection, error);
    }
    if (!response.ok) {
      throw await errorOf(response, connection);
    }
    return response;
  };

  const contract = createContractClient(async (request) => {
    const once = () =>
      send(request.method, request.path, {
        body: request.body,
        signal: request.signal,
        headers: { ...request.headers, ...(key === undefined ? {} : { 'idempotency-key': key }) },
      });
    const key = request.idempotent ? randomUUID() : undefined;
    return key === undefined ? once() : sendAgainWhileRetryable(once, request.signal);
  });

  const client: ApiClient = {
    connection,
    pathOf: contract.pathOf,
    open: contract.open,
    async call(operation, ...input) {
      try {
        return await contract.call(operation, ...input);
      } catch (error) {
        if (error instanceof SyntaxError) {
          throw new OperatorError(
            'CLI_BAD_ANSWER',
            `${operation} answered something that is not JSON (${error.message}); is ${connection.url} a Plugboard platform?`,
          );
        }
        throw error;
      }
    },
    async upload(file) {
      const stream = createReadStream(file.path);
      const opened = new Promise<void>((resolve, reject) => {
        stream.once('open', () => {
          resolve();
        });
        stream.once('error', reject);
      });
      try {
        await opened;
      } catch (error) {
        throw new OperatorError(
          'CLI_BAD_FILE',
          `cannot read ${file.path}: ${(error as Error).message}`,
        );
      }
      const response = await send('POST', contract.pathOf('uploadFile'), {
        headers: {
          'x-plugboard-file-name': encodeURIComponent(file.name),
          'content-type': file.contentType,
        },
        raw: Readable.toWeb(stream) as ReadableStream<Uint8Array>,
      });
      return (await response.json()) as FileRef;
    },
    async *runEvents(runId, options) {
      const response = await contract.open('runEvents', {
        params: { id: runId },
        headers: {
          accept: 'text/event-stream',
          ...(options.lastEventId === undefined ? {} : { 'last-event-id': options.lastEventId }),
        },
        ...(options.signal === undefined ? {} : { signal: options.signal }),
      });
      if (response.body === null) {
        return;
      }
      yield* readEventStream(response.body);
    },
  };
  return client;
}

/** Sends again, with a growing pause, while the failure says a repeat may succeed. */
async function sendAgainWhileRetryable(
  attempt: () => Promise<Response>,
  signal: AbortSignal | undefined,
): Promise<Response> {
  const until = Date.now() + RETRY_FOR_MS;
  for (let round = 0; ; round += 1) {
    try {
      return await attempt();
    } catch (error) {
      const again =
        (error instanceof ApiError && error.retryable) ||
        (error instanceof OperatorError && error.code === 'CLI_UNREACHABLE');
      if (!again || signal?.aborted === true || Date.now() >= until) {
        throw error;
      }
      await delay(
        backoffDelay(round + 1, { baseMs: 500, maxMs: 4_000 }),
        undefined,
        signal ? { signal } : {},
      );
    }
  }
}

async function errorOf(response: Response, connection: Connection): Promise<OperatorError> {
  const text = await response.text().catch(() => '');
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    parsed = undefined;
  }
  const error = (parsed as { error?: unknown } | undefined)?.error as
    { code?: unknown; message?: unknown; details?: unknown; retryable?: unknown } | undefined;
  if (typeof error?.code === 'string' && typeof error.message === 'string') {
    const details =
      typeof error.details === 'object' && error.details !== null
        ? (error.details as Record<string, unknown>)
        : undefined;
    const hints =
      response.status === 401
        ? [
            `  the token came from ${connection.tokenSource}; use one of the platform's PLUGBOARD_API_TOKENS`,
          ]
        : [];
    return new ApiError(
      {
        code: error.code,
        message: error.message,
        retryable: error.retryable === true,
        ...(details === undefined ? {} : { details }),
      },
      response.status,
      hints,
    );
  }
  return new OperatorError(
    'CLI_BAD_ANSWER',
    `${response.url} answered ${String(response.status)} ${response.statusText}${text === '' ? '' : `: ${excerpt(text)}`}; is ${connection.url} (from ${connection.urlSource}) a Plugboard platform?`,
  );
}

function unreachable(connection: Connection, error: unknown): OperatorError {
  const cause = (error as { cause?: { code?: unknown; message?: unknown } }).cause;
  const why =
    typeof cause?.code === 'string'
      ? cause.code
      : typeof cause?.message === 'string'
        ? cause.message
        : (error as Error).message;
  return new OperatorError(
    'CLI_UNREACHABLE',
    `cannot reach the platform at ${connection.url} (${why}); the URL came from ${connection.urlSource}`,
    {
      cause: error,
      lines: [
        '  is the platform running (`plugboard start` or `plugboard platform`)?',
        `  point the CLI at it with --url <url> --token <token>, PLUGBOARD_URL and PLUGBOARD_TOKEN, or ${connection.file}`,
      ],
    },
  );
}

function excerpt(text: string): string {
  const flat = text.replace(/\s+/g, ' ').trim();
  return flat.length > 200 ? `${flat.slice(0, 200)}…` : flat;
}
