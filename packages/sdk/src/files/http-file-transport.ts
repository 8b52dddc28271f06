/**
 * @module FileTransport over HTTP to the Plugin Server's file bridge. Bodies are streamed both ways
 * with fetch, so a file never sits whole in the plugin's memory. A sandboxed plugin has no network
 * and reaches the bridge on a Unix socket; undici's own fetch is loaded for that, since the
 * built-in fetch cannot dial a socket path.
 */
import {
  FILE_BRIDGE_HEADERS,
  FILE_BRIDGE_ROUTES,
  PLUGIN_ENV,
  errorEnvelopeSchema,
  fileRefSchema,
} from '@plugboard/protocol';
import { PluginFailure } from '../dispatch/plugin-failure.ts';
import type { FileCallOptions, FileTransport } from './file-transport.ts';

export interface HttpFileTransportOptions {
  /** The bridge's base URL; undefined when the process was started without one. */
  readonly baseUrl: string | undefined;
  /** The Unix socket the bridge listens on, when the plugin has no network. */
  readonly socketPath?: string | undefined;
  /** The plugin's launch token: tells the bridge which plugin is calling. */
  readonly launchToken: string;
}

export function createHttpFileTransport(options: HttpFileTransportOptions): FileTransport {
  const bridgeFetch = createBridgeFetch(options.socketPath);
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
      const response = await bridgeFetch(urlFor(FILE_BRIDGE_ROUTES.download(ref.id)), {
        headers: headersFor(call),
        signal: call.signal,
      });
      if (response.body === null) {
        throw PluginFailure.of(
          'PLUGIN_FILE_BRIDGE_FAILED',
          `the file bridge sent no body for file ${ref.id}`,
        );
      }
      return { body: response.body };
    },
    async upload(body, meta, call) {
      const response = await bridgeFetch(urlFor(FILE_BRIDGE_ROUTES.upload), {
        method: 'POST',
        headers: {
          ...headersFor(call),
          'content-type': meta.contentType,
          [FILE_BRIDGE_HEADERS.fileName]: encodeURIComponent(meta.name),
        },
        body,
        duplex: 'half',
        signal: call.signal,
      });
      const parsed = fileRefSchema.safeParse(await response.json());
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

type Fetch = (url: URL, init: RequestInit) => Promise<Response>;

function createBridgeFetch(socketPath: string | undefined): Fetch {
  let socketFetch: Promise<Fetch> | undefined;
  const fetchVia = (): Promise<Fetch> =>
    socketPath === undefined
      ? Promise.resolve(fetch)
      : (socketFetch ??= import('undici').then(({ Agent, fetch: undiciFetch }) => {
          const dispatcher = new Agent({ connect: { socketPath } });
          return (url, init) =>
            undiciFetch(url, { ...init, dispatcher } as Parameters<typeof undiciFetch>[1]);
        }));
  return async (url, init) => bridgeFetch(await fetchVia(), url, init);
}

/** fetch that turns network errors and non-2xx answers into failures carrying the bridge's own error. */
async function bridgeFetch(fetchFn: Fetch, url: URL, init: RequestInit): Promise<Response> {
  let response: Response;
  try {
    response = await fetchFn(url, init);
  } catch (error) {
    if (init.signal?.aborted === true) {
      throw init.signal.reason;
    }
    throw PluginFailure.of(
      'PLUGIN_FILE_BRIDGE_FAILED',
      `cannot reach the file bridge at ${url.origin}: ${describe(error)}`,
    );
  }
  if (response.ok) {
    return response;
  }
  const envelope = errorEnvelopeSchema.safeParse(await response.json().catch(() => undefined));
  if (envelope.success) {
    const { error } = envelope.data;
    throw new PluginFailure({ ...error, status: response.status });
  }
  throw PluginFailure.of(
    'PLUGIN_FILE_BRIDGE_FAILED',
    `the file bridge answered ${String(response.status)} ${response.statusText}`,
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
