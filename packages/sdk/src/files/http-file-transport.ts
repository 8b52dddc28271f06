/**
 * @module FileTransport over HTTP to the Plugin Server's file bridge. Bodies are streamed both ways
 * as Node streams with undici's `request`, so a file never sits whole in the plugin's memory and a
 * download piped into an upload is never adapted to a web stream and back. A sandboxed plugin has
 * no network and reaches the bridge on a Unix socket, which undici dials as well. undici is loaded
 * on the first transfer, so a plugin that moves no files does not pay for it at start.
 */
import {
  FILE_BRIDGE_HEADERS,
  FILE_BRIDGE_ROUTES,
  PLUGIN_ENV,
  errorEnvelopeSchema,
  fileRefSchema,
} from '@plugboard/protocol';
import { Readable } from 'node:stream';
import type { ReadableStream as NodeReadableStream } from 'node:stream/web';
import type { Dispatcher } from 'undici';
import { PluginFailure } from '../dispatch/plugin-failure.ts';
import type { FileBytes, FileCallOptions, FileTransport } from './file-transport.ts';

export interface HttpFileTransportOptions {
  /** The bridge's base URL; undefined when the process was started without one. */
  readonly baseUrl: string | undefined;
  /** The Unix socket the bridge listens on, when the plugin has no network. */
  readonly socketPath?: string | undefined;
  /** The plugin's launch token: tells the bridge which plugin is calling. */
  readonly launchToken: string;
}

interface BridgeCall {
  readonly method: 'GET' | 'POST';
  readonly headers: Record<string, string>;
  readonly body?: Readable;
  readonly signal: AbortSignal;
}

type BridgeRequest = (url: URL, call: BridgeCall) => Promise<Dispatcher.ResponseData>;

export function createHttpFileTransport(options: HttpFileTransportOptions): FileTransport {
  const send = bridgeRequest(options.socketPath);
  const headersFor = (call: FileCallOptions): Record<string, string> => {
    if (call.callToken === undefined) {
      throw PluginFailure.of(
        'PLUGIN_FILES_UNAVAILABLE',
        'this execution carries no call token, so it cannot read or write files; files work in executions started by the platform',
      );
    }
    return {
      authorization: `Bearer ${options.launchToken}`,
      [FILE_BRIDGE_HEADERS.callToken]: call.callToken,
    };
  };
  const urlFor = (path: string): URL => {
    if (options.baseUrl === undefined) {
      throw PluginFailure.of(
        'PLUGIN_FILES_UNAVAILABLE',
        `no file bridge is configured for this plugin process (${PLUGIN_ENV.fileBridgeUrl.name} is unset); run it under a Plugin Server to use files`,
      );
    }
    return new URL(
      path.slice(1),
      options.baseUrl.endsWith('/') ? options.baseUrl : `${options.baseUrl}/`,
    );
  };

  return {
    async download(ref, call) {
      const response = await send(urlFor(FILE_BRIDGE_ROUTES.download(ref.id)), {
        method: 'GET',
        headers: headersFor(call),
        signal: call.signal,
      });
      return { body: response.body };
    },
    async upload(body, meta, call) {
      const response = await send(urlFor(FILE_BRIDGE_ROUTES.upload), {
        method: 'POST',
        headers: {
          ...headersFor(call),
          'content-type': meta.contentType,
          [FILE_BRIDGE_HEADERS.fileName]: encodeURIComponent(meta.name),
        },
        // Made before the call, so content that cannot be read as bytes fails as the plugin's
        // error, not as the bridge's.
        body: nodeBody(body),
        signal: call.signal,
      });
      const parsed = fileRefSchema.safeParse(await response.body.json().catch(() => undefined));
      if (!parsed.success) {
        throw PluginFailure.of(
          'PLUGIN_FILE_BRIDGE_FAILED',
          'the file bridge answered an upload with something other than a file reference',
        );
      }
      return parsed.data;
    },
  };
}

function bridgeRequest(socketPath: string | undefined): BridgeRequest {
  let loaded: Promise<BridgeRequest> | undefined;
  const load = async (): Promise<BridgeRequest> => {
    const { Agent, request } = await import('undici');
    // One pool for the process's transfers: connections are kept alive between them.
    const dispatcher = new Agent(socketPath === undefined ? {} : { connect: { socketPath } });
    return (url, { body, ...call }) => request(url, { ...call, body: body ?? null, dispatcher });
  };
  return async (url, call) => answered(await (loaded ??= load()), url, call);
}

/** A Node stream is sent as it is; what else streams is read through one. */
function nodeBody(body: FileBytes): Readable {
  if (body instanceof Readable) {
    return body;
  }
  return body instanceof ReadableStream
    ? Readable.fromWeb(body as NodeReadableStream<Uint8Array>)
    : Readable.from(body, { objectMode: false });
}

/** A bridge call that turns network errors and non-2xx answers into failures carrying the bridge's own error. */
async function answered(
  send: BridgeRequest,
  url: URL,
  call: BridgeCall,
): Promise<Dispatcher.ResponseData> {
  let response: Dispatcher.ResponseData;
  try {
    response = await send(url, call);
  } catch (error) {
    if (call.signal.aborted) {
      throw call.signal.reason;
    }
    throw PluginFailure.of(
      'PLUGIN_FILE_BRIDGE_FAILED',
      `cannot reach the file bridge at ${url.origin}: ${describe(error)}`,
    );
  }
  if (response.statusCode >= 200 && response.statusCode < 300) {
    return response;
  }
  const envelope = errorEnvelopeSchema.safeParse(await response.body.json().catch(() => undefined));
  if (envelope.success) {
    const { error } = envelope.data;
    throw new PluginFailure({ ...error, status: response.statusCode });
  }
  throw PluginFailure.of(
    'PLUGIN_FILE_BRIDGE_FAILED',
    `the file bridge answered ${String(response.statusCode)}`,
  );
}

function describe(error: unknown): string {
  if (error instanceof Error) {
    return error.cause instanceof Error
      ? `${error.message} (${error.cause.message})`
      : error.message;
  }
  return String(error);
}
