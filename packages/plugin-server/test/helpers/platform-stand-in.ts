// A stand-in for the platform's side of the Plugin Server API: a real HTTP server on 127.0.0.1 with
// a small route table, the key it expects, per-call-token grants, and every request recorded.
// Files stream to and from disk, never held in memory, so large-file tests measure the Plugin
// Server, not this. Add platform routes (status webhooks, desired state…) as rows of `routes`;
// until then a Plugin Server pointed here gets 404 for them, which it logs and lives with.
import { createHash, randomBytes } from 'node:crypto';
import { EventEmitter } from 'node:events';
import { mkdtemp, open, rename, rm, stat, writeFile } from 'node:fs/promises';
import {
  createServer,
  type IncomingHttpHeaders,
  type IncomingMessage,
  type ServerResponse,
} from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { FILE_BRIDGE_HEADERS, type FileRef } from '@plugboard/protocol';
import { openFileSink, STREAMED_BYTES_BUFFER } from '@plugboard/server-api';

interface RecordedRequest {
  readonly method: string;
  readonly path: string;
  readonly headers: IncomingHttpHeaders;
  /** `open` until the answer is complete (`done`) or the connection is lost first (`aborted`). */
  state: 'open' | 'done' | 'aborted';
  status: number | undefined;
}

export interface ReceivedUpload {
  readonly name: string;
  readonly contentType: string;
  readonly callToken: string;
  readonly pluginId: string | undefined;
  state: 'receiving' | 'complete' | 'aborted';
  bytes: number;
  /** Set once complete: the stored file's id and the hex sha256 of what arrived. */
  id?: string;
  sha256?: string;
}

export interface PlatformStandIn {
  readonly url: string;
  readonly apiKey: string;
  readonly requests: readonly RecordedRequest[];
  /** `upload-progress` fires as each chunk of an upload arrives, so a test can act mid-transfer. */
  readonly events: EventEmitter<{ 'upload-progress': [ReceivedUpload] }>;
  /** Stores a file (content, or an existing file on disk used in place). */
  addFile(
    id: string,
    content: string | Uint8Array | { path: string },
    name: string,
    contentType?: string,
  ): Promise<FileRef>;
  /** Lets the holder of `callToken` read `fileIds` and, with `upload`, store new files. */
  grant(callToken: string, fileIds: readonly string[], options?: { upload?: boolean }): void;
  uploads(): readonly ReceivedUpload[];
  openRequests(): number;
  close(): Promise<void>;
}

interface StoredFile extends FileRef {
  readonly path: string;
}

interface Grant {
  readonly files: Set<string>;
  upload: boolean;
}

interface State {
  readonly uploadBytesPerSecond: number | undefined;
  readonly apiKey: string;
  readonly dir: string;
  readonly files: Map<string, StoredFile>;
  readonly grants: Map<string, Grant>;
  readonly uploads: ReceivedUpload[];
  readonly events: PlatformStandIn['events'];
}

interface Exchange {
  readonly req: IncomingMessage;
  readonly res: ServerResponse;
  readonly params: readonly string[];
  readonly state: State;
}

interface Route {
  readonly method: string;
  readonly path: RegExp;
  readonly handle: (exchange: Exchange) => Promise<void>;
}

/** A refusal answered as the platform's error envelope. */
class Refusal extends Error {
  readonly status: number;
  readonly code: string;

  constructor(status: number, code: string, message: string) {
    super(message);
    this.status = status;
    this.code = code;
  }
}

const routes: readonly Route[] = [
  { method: 'GET', path: /^\/plugin-server\/files\/([^/]+)$/, handle: download },
  { method: 'POST', path: /^\/plugin-server\/files\/upload$/, handle: upload },
];

export interface PlatformStandInOptions {
  readonly apiKey?: string;
  /**
   * Caps how fast uploads are taken in, as a platform whose storage is slower than loopback: the
   * Plugin Server must then hold back both the plugin's upload and, behind it, its download.
   */
  readonly uploadBytesPerSecond?: number;
}

export async function startPlatformStandIn(
  options: PlatformStandInOptions = {},
): Promise<PlatformStandIn> {
  const state: State = {
    uploadBytesPerSecond: options.uploadBytesPerSecond,
    apiKey: options.apiKey ?? `platform-${randomBytes(12).toString('hex')}`,
    dir: await mkdtemp(join(tmpdir(), 'plugboard-platform-')),
    files: new Map(),
    grants: new Map(),
    uploads: [],
    events: new EventEmitter(),
  };
  const requests: RecordedRequest[] = [];
  const server = createServer((req, res) => {
    const path = (req.url ?? '/').split('?')[0] ?? '/';
    const record: RecordedRequest = {
      method: req.method ?? 'GET',
      path,
      headers: req.headers,
      state: 'open',
      status: undefined,
    };
    requests.push(record);
    res.once('close', () => {
      record.state = res.writableFinished ? 'done' : 'aborted';
      record.status = res.statusCode;
    });
    void dispatch({ req, res, state, record });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;

  return {
    url: `http://127.0.0.1:${String(port)}`,
    apiKey: state.apiKey,
    requests,
    events: state.events,
    async addFile(id, content, name, contentType = 'application/octet-stream') {
      let path: string;
      if (typeof content === 'object' && 'path' in content) {
        path = content.path;
      } else {
        path = join(state.dir, `file-${String(state.files.size)}`);
        await writeFile(path, content);
      }
      const ref = { id, name, contentType, size: (await stat(path)).size };
      state.files.set(id, { ...ref, path });
      return ref;
    },
    grant(callToken, fileIds, { upload: mayUpload = false } = {}) {
      const grant = state.grants.get(callToken) ?? { files: new Set(), upload: false };
      fileIds.forEach((id) => grant.files.add(id));
      grant.upload ||= mayUpload;
      state.grants.set(callToken, grant);
    },
    uploads: () => state.uploads,
    openRequests: () => requests.filter((r) => r.state === 'open').length,
    async close() {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
      await rm(state.dir, { recursive: true, force: true });
    },
  };
}

async function dispatch(
  context: Omit<Exchange, 'params'> & { record: RecordedRequest },
): Promise<void> {
  const { res, record } = context;
  try {
    for (const route of routes) {
      const match = route.method === record.method ? route.path.exec(record.path) : null;
      if (match !== null) {
        await route.handle({ ...context, params: match.slice(1) });
        return;
      }
    }
    throw new Refusal(404, 'PLATFORM_NOT_FOUND', `no route ${record.method} ${record.path}`);
  } catch (error) {
    if (res.headersSent || res.destroyed) {
      res.destroy();
      return;
    }
    const refusal =
      error instanceof Refusal
        ? error
        : new Refusal(500, 'PLATFORM_INTERNAL', (error as Error).message);
    // An upload body left unread is drained by node:http once this answer is sent.
    res.writeHead(refusal.status, { 'content-type': 'application/json' });
    res.end(
      JSON.stringify({
        error: {
          code: refusal.code,
          kind: refusal.status >= 500 ? 'internal' : 'user',
          message: refusal.message,
          retryable: false,
        },
      }),
    );
  }
}

/** Checks the Plugin Server's key and returns what the call token is granted. */
function authorize({ req, state }: Exchange): Grant & { callToken: string } {
  if (req.headers.authorization !== `Bearer ${state.apiKey}`) {
    throw new Refusal(401, 'PLATFORM_UNAUTHORIZED', 'missing or wrong Plugin Server key');
  }
  const callToken = req.headers[FILE_BRIDGE_HEADERS.callToken];
  const grant = typeof callToken === 'string' ? state.grants.get(callToken) : undefined;
  if (typeof callToken !== 'string' || grant === undefined) {
    throw new Refusal(401, 'PLATFORM_CALL_TOKEN_INVALID', 'missing or unknown per-call token');
  }
  return { ...grant, callToken };
}

async function download(exchange: Exchange): Promise<void> {
  const grant = authorize(exchange);
  const id = decodeURIComponent(exchange.params[0] ?? '');
  if (!grant.files.has(id)) {
    throw new Refusal(403, 'PLATFORM_FILE_FORBIDDEN', `this execution may not read file ${id}`);
  }
  const file = exchange.state.files.get(id);
  if (file === undefined) {
    throw new Refusal(404, 'PLATFORM_FILE_NOT_FOUND', `no file ${id}`);
  }
  exchange.res.writeHead(200, {
    'content-type': file.contentType,
    'content-length': String(file.size),
    [FILE_BRIDGE_HEADERS.fileName]: encodeURIComponent(file.name),
  });
  await sendFile(file.path, exchange.res);
}

/**
 * Streams a file through one reused buffer, each chunk written before the next is read: no
 * garbage per chunk, so memory sampled in this process reflects the Plugin Server, not this.
 */
async function sendFile(path: string, res: ServerResponse): Promise<void> {
  const file = await open(path, 'r');
  const buffer = Buffer.allocUnsafe(256 * 1024);
  try {
    for (;;) {
      const { bytesRead } = await file.read(buffer, 0, buffer.length, null);
      if (bytesRead === 0) {
        break;
      }
      await written(res, buffer.subarray(0, bytesRead));
    }
    res.end();
  } finally {
    await file.close();
  }
}

/** Resolves once the chunk is handed to the socket; rejects if the client is gone first. */
function written(res: ServerResponse, chunk: Buffer): Promise<void> {
  return new Promise((resolve, reject) => {
    const gone = (): void => {
      reject(new Error('the client went away mid-download'));
    };
    if (res.destroyed) {
      gone();
      return;
    }
    res.once('close', gone);
    res.write(chunk, (error) => {
      res.off('close', gone);
      if (error === null || error === undefined) {
        resolve();
      } else {
        reject(error);
      }
    });
  });
}

async function upload(exchange: Exchange): Promise<void> {
  const { req, res, state } = exchange;
  const grant = authorize(exchange);
  if (!grant.upload) {
    throw new Refusal(403, 'PLATFORM_UPLOAD_FORBIDDEN', 'this execution may not store files');
  }
  const rawName = req.headers[FILE_BRIDGE_HEADERS.fileName];
  const pluginId = req.headers['x-plugboard-plugin-id'];
  const received: ReceivedUpload = {
    name: typeof rawName === 'string' ? decodeURIComponent(rawName) : 'upload',
    contentType: req.headers['content-type'] ?? 'application/octet-stream',
    callToken: grant.callToken,
    pluginId: typeof pluginId === 'string' ? pluginId : undefined,
    state: 'receiving',
    bytes: 0,
  };
  state.uploads.push(received);
  const id = `upload-${String(state.uploads.length)}`;
  const partial = join(state.dir, `${id}.partial`);
  const hash = createHash('sha256');
  const started = performance.now();
  const meter = new Transform({
    highWaterMark: STREAMED_BYTES_BUFFER,
    transform(chunk: Buffer, _encoding, done) {
      received.bytes += chunk.length;
      hash.update(chunk);
      state.events.emit('upload-progress', received);
      // Ahead of the allowed rate, the chunk is held back, and with it (backpressure) the sender.
      const rate = state.uploadBytesPerSecond;
      const aheadMs =
        rate === undefined ? 0 : (received.bytes / rate) * 1000 - (performance.now() - started);
      if (aheadMs > 1) {
        setTimeout(() => {
          done(null, chunk);
        }, aheadMs);
      } else {
        done(null, chunk);
      }
    },
  });
  try {
    await pipeline(req, meter, openFileSink(partial));
  } catch (error) {
    received.state = 'aborted';
    await rm(partial, { force: true });
    throw error;
  }
  const path = join(state.dir, id);
  await rename(partial, path);
  const ref = { id, name: received.name, contentType: received.contentType, size: received.bytes };
  state.files.set(id, { ...ref, path });
  // A run may read back what it wrote.
  state.grants.get(grant.callToken)?.files.add(id);
  Object.assign(received, { state: 'complete', id, sha256: hash.digest('hex') });
  res.writeHead(201, { 'content-type': 'application/json' });
  res.end(JSON.stringify(ref));
}
