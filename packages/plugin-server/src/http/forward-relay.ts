/**
 * @module One forwarded call on the raw request and response: the body (read whole when small,
 * else streamed and capped), the deadline header, the caller's disconnect as an abort, then the
 * plugin's answer written back (whole when small and sized, else streamed). Failures answer the
 * error envelope. Used by the forwarding routes and by the lean path in front of Fastify alike.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { PLUGIN_VERSION_HEADER } from '@plugboard/server-api';
import { writeFailure } from '@plugboard/service-kit';
import type { FastifyBaseLogger } from 'fastify';
import { errors as undiciErrors } from 'undici';
import type { ServerConfig } from '../config.ts';
import { asServerError, ServerError } from '../errors.ts';
import { forward, type ForwardTarget } from '../forward/forwarder.ts';
import type { PluginManager } from '../plugins/plugin-manager.ts';
import { ByteLimit } from './byte-limit.ts';

export interface RelayDeps {
  readonly manager: PluginManager;
  readonly config: ServerConfig;
  readonly log: FastifyBaseLogger;
}

/** Bodies up to this size are read whole and sent in one write; larger ones stream. */
const BUFFERED_BODY_BYTES = 64 * 1024;

export async function relay(
  deps: RelayDeps,
  exchange: { req: IncomingMessage; res: ServerResponse },
  call: { pluginId: string; target: ForwardTarget },
): Promise<void> {
  const { req, res } = exchange;
  try {
    await relayOrThrow(deps, exchange, call);
  } catch (error) {
    const failure = asServerError(error);
    if (failure.kind === 'internal') {
      deps.log.error({ err: error, url: req.url }, 'forwarding failed');
    }
    // Whatever of the body is still unread is drained, so the connection stays usable.
    req.resume();
    writeFailure(res, failure);
  }
}

async function relayOrThrow(
  { manager, config }: RelayDeps,
  { req, res }: { req: IncomingMessage; res: ServerResponse },
  { pluginId, target }: { pluginId: string; target: ForwardTarget },
): Promise<void> {
  const declared = req.headers['content-length'];
  const maxBytes = config.limits.maxBodyBytes;
  if (declared !== undefined && Number(declared) > maxBytes) {
    throw new ServerError(
      'PSRV_PAYLOAD_TOO_LARGE',
      `the body is over ${String(maxBytes)} bytes; send large data as files`,
    );
  }
  const abort = new AbortController();
  res.once('close', () => {
    if (!res.writableFinished) {
      abort.abort();
    }
  });
  const timeoutHeader = req.headers['x-plugboard-timeout-ms'];
  const version = req.headers[PLUGIN_VERSION_HEADER];
  const response = await forward(manager, config, {
    pluginId,
    version: typeof version === 'string' && version !== '' ? version.slice(0, 256) : undefined,
    target,
    body: await bodyFor(req, declared, maxBytes),
    contentLength: declared,
    timeoutMs:
      typeof timeoutHeader === 'string' && /^\d{1,9}$/.test(timeoutHeader)
        ? Number(timeoutHeader)
        : undefined,
    signal: abort.signal,
  });
  const headers: Record<string, string> = {};
  if (response.contentType !== undefined) {
    headers['content-type'] = response.contentType;
  }
  if (response.retryAfter !== undefined) {
    headers['retry-after'] = response.retryAfter;
  }
  const length = Number(response.contentLength ?? Number.NaN);
  // A small answer of known size is read whole and written once; anything else streams.
  if (Number.isNaN(length) || length > BUFFERED_BODY_BYTES) {
    if (response.contentLength !== undefined) {
      headers['content-length'] = response.contentLength;
    }
    res.writeHead(response.statusCode, headers);
    await pipeline(response.body, res).catch(() => {
      // The plugin or the caller went away mid-answer: the connection is closed either way.
      res.destroy();
    });
    return;
  }
  let whole: Buffer;
  try {
    whole = Buffer.from(await response.body.arrayBuffer());
  } catch (error) {
    // The plugin died or stalled mid-answer: the same 502/504 as a failure before the answer.
    throw new ServerError(
      error instanceof undiciErrors.BodyTimeoutError
        ? 'PSRV_PLUGIN_TIMEOUT'
        : 'PSRV_PLUGIN_CRASHED',
      `plugin "${pluginId}" failed while sending its answer (${(error as Error).message})`,
    );
  }
  headers['content-length'] = String(whole.length);
  res.writeHead(response.statusCode, headers);
  res.end(whole);
}

/**
 * Most calls carry a few hundred bytes of JSON: reading those whole is cheaper than a stream
 * through a Transform into undici. Large or unsized bodies stream, capped.
 */
async function bodyFor(
  req: IncomingMessage,
  declared: string | undefined,
  maxBytes: number,
): Promise<Readable | Buffer | undefined> {
  if (
    declared === '0' ||
    (declared === undefined && req.headers['transfer-encoding'] === undefined)
  ) {
    return undefined;
  }
  if (declared === undefined || Number(declared) > BUFFERED_BODY_BYTES) {
    return req.pipe(new ByteLimit(maxBytes, 'the body'));
  }
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.once('end', () => {
      resolve(chunks.length === 1 ? chunks[0] : Buffer.concat(chunks));
    });
    req.once('error', reject);
  });
}
