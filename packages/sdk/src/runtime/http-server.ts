/**
 * @module The plugin process's HTTP surface: token check, body limits, routing onto the dispatcher,
 * error envelopes, client aborts and draining.
 *
 * Plain node:http rather than Fastify: this process starts once per installed plugin, and the
 * eight fixed routes do not repay a framework's start time and memory (see bench/).
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import {
  PLUGIN_ENV,
  PLUGIN_ROUTES,
  PROTOCOL_VERSION,
  type HealthResponse,
} from '@plugboard/protocol';
import { ConcurrencyLimit } from '../dispatch/concurrency-limit.ts';
import type { Dispatcher } from '../dispatch/dispatcher.ts';
import { PluginFailure } from '../dispatch/plugin-failure.ts';
import { toFailure } from '../dispatch/to-failure.ts';
import type { ProcessLog } from './json-log.ts';

// Not `import … from 'node:http'`: Node builds that import's ES module view by reading every
// export, and reading `WebSocket` loads Node's bundled undici, about 20 ms of CPU in every plugin
// start (nodejs/node#57649). The CommonJS view reads only what is asked for.
const { createServer } = process.getBuiltinModule('node:http');

export interface PluginHttpServerOptions {
  readonly dispatcher: Dispatcher;
  readonly pluginId: string;
  readonly version: string;
  readonly token: string;
  readonly maxBodyBytes: number;
  readonly log: ProcessLog;
  /** Aborts every execution still running when draining runs out of time. */
  readonly shutdownSignal: AbortSignal;
}

export interface PluginHttpServer {
  readonly server: Server;
  /** From now on, new requests get 503 and kept-alive connections are closed after their answer. */
  beginDrain(): void;
  /** Resolves once every request received has been answered (or its caller has gone). */
  idle(): Promise<void>;
}

const ROUTE_LIST = Object.values(PLUGIN_ROUTES).map((r) => `${r.method} ${r.path}`);

export function createPluginHttpServer(options: PluginHttpServerOptions): PluginHttpServer {
  const { dispatcher, log } = options;
  const tokenDigest = digest(options.token);
  let draining = false;
  // Counts requests, not executions: a drain must wait until answers are written, which is
  // after the dispatcher has released the execution's slot.
  const requests = new ConcurrencyLimit(Number.POSITIVE_INFINITY);

  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const url = new URL(req.url ?? '/', 'http://plugin');
    const segments = url.pathname.split('/').slice(1).map(decodeSegment);
    const method = req.method ?? 'GET';

    if (method === 'GET' && url.pathname === '/health') {
      send(res, draining ? 503 : 200, {
        status: draining ? 'draining' : 'ok',
        pluginId: options.pluginId,
        version: options.version,
        protocolVersion: PROTOCOL_VERSION,
        inFlight: dispatcher.inFlight,
        maxConcurrency: dispatcher.maxConcurrency,
        saturated: dispatcher.inFlight >= dispatcher.maxConcurrency,
        stuck: dispatcher.stuck,
      } satisfies HealthResponse);
      return;
    }
    if (!authorized(req.headers.authorization, tokenDigest)) {
      req.resume();
      throw PluginFailure.of(
        'PLUGIN_UNAUTHORIZED',
        `missing or wrong token; send the per-launch token from ${PLUGIN_ENV.token.name} as "Authorization: Bearer <token>"`,
      );
    }
    if (draining) {
      req.resume();
      res.setHeader('connection', 'close');
      throw PluginFailure.of(
        'PLUGIN_SHUTTING_DOWN',
        'the plugin is shutting down and takes no new work; retry on its replacement',
      );
    }

    const callerAbort = new AbortController();
    res.on('close', () => {
      if (!res.writableFinished) {
        callerAbort.abort(
          PluginFailure.of(
            'PLUGIN_CANCELLED',
            'the caller closed the connection before the answer',
          ),
        );
      }
    });
    const signal = AbortSignal.any([callerAbort.signal, options.shutdownSignal]);

    if (method === 'GET' && url.pathname === '/manifest') {
      send(res, 200, dispatcher.manifest);
      return;
    }
    if (method !== 'POST') {
      req.resume();
      throw routeNotFound(method, url.pathname);
    }
    const body = await readJsonBody(req, options.maxBodyBytes);
    const [first, name = '', action] = segments;
    if (segments.length === 1 && first === 'config') {
      send(res, 200, await dispatcher.configure(body, signal));
    } else if (segments.length === 1 && first === 'validate-config') {
      send(res, 200, await dispatcher.validateConfig(body, signal));
    } else if (segments.length === 3 && first === 'nodes' && action === 'execute') {
      send(res, 200, await dispatcher.execute(name, body, { signal }));
    } else if (segments.length === 3 && first === 'nodes' && action === 'config') {
      send(res, 200, await dispatcher.nodeConfig(name, body, { signal }));
    } else if (segments.length === 3 && first === 'integrations' && action === 'config') {
      send(res, 200, dispatcher.integrationConfig(name));
    } else if (segments.length === 3 && first === 'integrations' && action === 'ready') {
      send(res, 200, await dispatcher.integrationReady(name, body, signal));
    } else {
      throw routeNotFound(method, url.pathname);
    }
  };

  const server = createServer({ keepAliveTimeout: 65_000 }, (req, res) => {
    const started = performance.now();
    requests.tryAcquire();
    res.on('close', () => {
      requests.release();
    });
    handle(req, res)
      .catch((error: unknown) => {
        const failure = toFailure(error);
        logFailure(log, failure, { req, error });
        if (!res.headersSent && !res.destroyed) {
          if (failure.code === 'PLUGIN_OVERLOADED') {
            res.setHeader('retry-after', '1');
          }
          send(res, failure.status, failure.toEnvelope());
        }
      })
      .finally(() => {
        if (log.isEnabled('debug')) {
          log.debug('request', {
            method: req.method,
            url: req.url,
            status: res.statusCode,
            ms: performance.now() - started,
          });
        }
      });
  });

  return {
    server,
    beginDrain() {
      draining = true;
      server.closeIdleConnections();
    },
    idle: () => requests.idle(),
  };
}

/** A malformed escape (`%E0`) is the caller's mistake, not a crash. */
function decodeSegment(segment: string): string {
  try {
    return decodeURIComponent(segment);
  } catch {
    throw PluginFailure.of(
      'PLUGIN_BAD_REQUEST',
      `the path segment ${JSON.stringify(segment.slice(0, 80))} is not valid percent-encoding`,
    );
  }
}

function digest(value: string): Buffer {
  return createHash('sha256').update(value).digest();
}

/** Compares digests so the comparison takes the same time whatever the length or content guessed. */
function authorized(header: string | undefined, expected: Buffer): boolean {
  if (header?.startsWith('Bearer ') !== true) {
    return false;
  }
  return timingSafeEqual(digest(header.slice('Bearer '.length)), expected);
}

function routeNotFound(method: string, path: string): PluginFailure {
  return PluginFailure.of(
    'PLUGIN_NOT_FOUND',
    `no route ${method} ${path}; routes: ${ROUTE_LIST.join(', ')}`,
    {
      available: ROUTE_LIST,
    },
  );
}

async function readJsonBody(req: IncomingMessage, maxBytes: number): Promise<unknown> {
  const declared = Number(req.headers['content-length'] ?? 0);
  if (declared > maxBytes) {
    req.resume();
    throw tooLarge(maxBytes);
  }
  // Events rather than for-await: leaving a for-await early destroys the request, and with it
  // the socket the 413 answer must go out on. Past the limit the rest is read and dropped.
  const text = await new Promise<string>((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const onData = (chunk: Buffer): void => {
      size += chunk.length;
      if (size > maxBytes) {
        req.off('data', onData);
        req.resume();
        reject(tooLarge(maxBytes));
        return;
      }
      chunks.push(chunk);
    };
    req.on('data', onData);
    req.once('end', () => {
      resolve(Buffer.concat(chunks).toString('utf8'));
    });
    req.once('error', reject);
  });
  if (text.trim() === '') {
    return {};
  }
  try {
    return JSON.parse(text) as unknown;
  } catch (error) {
    throw PluginFailure.of(
      'PLUGIN_BAD_REQUEST',
      `the body is not valid JSON: ${(error as Error).message}`,
    );
  }
}

function tooLarge(maxBytes: number): PluginFailure {
  return PluginFailure.of(
    'PLUGIN_PAYLOAD_TOO_LARGE',
    `the body is larger than ${String(maxBytes)} bytes; send large data as files (ctx.files) instead`,
    { maxBytes },
  );
}

function send(res: ServerResponse, status: number, body: unknown): void {
  const payload = JSON.stringify(body);
  res.writeHead(status, {
    'content-type': 'application/json; charset=utf-8',
    'content-length': Buffer.byteLength(payload),
  });
  res.end(payload);
}

function logFailure(
  log: ProcessLog,
  failure: PluginFailure,
  { req, error }: { req: IncomingMessage; error: unknown },
): void {
  const fields = { code: failure.code, method: req.method, url: req.url };
  if (failure.kind === 'internal' || failure.code === 'PLUGIN_UNHANDLED_ERROR') {
    log.error(failure.message, { ...fields, err: error });
  } else if (failure.kind === 'plugin' || failure.kind === 'operational') {
    log.warn(failure.message, fields);
  } else {
    log.info(failure.message, fields);
  }
}
