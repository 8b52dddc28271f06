/**
 * @module The platform's file endpoints as the file bridge calls them: this server's key, the
 * caller's per-call token and plugin id on every call, bodies streamed both ways (never buffered),
 * over one keep-alive agent.
 */
import type { Readable } from 'node:stream';
import { FILE_BRIDGE_HEADERS } from '@plugboard/protocol';
import { Agent, request, type Dispatcher } from 'undici';
import type { ServerConfig } from '../config.ts';
import { ServerError } from '../errors.ts';
import type { BridgeCaller } from './bridge-caller.ts';

/** Names the calling plugin to the platform; the call token alone names only the execution. */
const PLUGIN_ID_HEADER = 'x-plugboard-plugin-id';

interface PlatformUpload {
  readonly body: Readable | null;
  readonly contentType: string;
  /** The plugin's declared length, passed on; without one the upload goes chunked. */
  readonly contentLength: string | undefined;
  /** Percent-encoded, as the plugin sent it. */
  readonly fileName: string | undefined;
}

interface PlatformCall {
  readonly caller: BridgeCaller;
  /** Aborts the platform call (and its socket) when the plugin goes away. */
  readonly signal: AbortSignal;
}

export interface PlatformFiles {
  download(id: string, call: PlatformCall): Promise<Dispatcher.ResponseData>;
  upload(file: PlatformUpload, call: PlatformCall): Promise<Dispatcher.ResponseData>;
  close(): Promise<void>;
}

export function createPlatformFiles(config: ServerConfig): PlatformFiles {
  const agent = new Agent();

  const send = async (
    path: string,
    options: { method: 'GET' | 'POST'; headers?: Record<string, string>; body?: Readable | null },
    call: PlatformCall,
  ): Promise<Dispatcher.ResponseData> => {
    const platform = platformOf(config);
    const url = new URL(path, platform.base);
    try {
      return await request(url, {
        dispatcher: agent,
        method: options.method,
        headers: {
          ...options.headers,
          authorization: `Bearer ${platform.apiKey}`,
          [FILE_BRIDGE_HEADERS.callToken]: call.caller.callToken,
          [PLUGIN_ID_HEADER]: call.caller.pluginId,
        },
        body: options.body ?? null,
        signal: call.signal,
      });
    } catch (error) {
      const reason = call.signal.aborted ? 'the plugin went away mid-call' : describe(error);
      throw new ServerError(
        'PSRV_SOURCE_FAILED',
        `the file bridge cannot reach the platform at ${url.origin}: ${reason}`,
        { cause: error },
      );
    }
  };

  return {
    download: (id, call) =>
      send(`plugin-server/files/${encodeURIComponent(id)}`, { method: 'GET' }, call),
    upload: (file, call) =>
      send(
        'plugin-server/files/upload',
        {
          method: 'POST',
          headers: {
            'content-type': file.contentType,
            ...(file.contentLength === undefined ? {} : { 'content-length': file.contentLength }),
            ...(file.fileName === undefined
              ? {}
              : { [FILE_BRIDGE_HEADERS.fileName]: file.fileName }),
          },
          body: file.body,
        },
        call,
      ),
    close: () => agent.close(),
  };
}

function platformOf(config: ServerConfig): { base: string; apiKey: string } {
  if (config.platformUrl === undefined || config.platformApiKey === undefined) {
    // No code says "not configured" with a 503, and none may be added. PSRV_PLUGIN_UNAVAILABLE is
    // the one that fits from where the plugin stands (503: the file service it relies on is not
    // there); SOURCE_REFUSED (400) would blame the plugin's request and CONFIG_INVALID (500) reads
    // as a crash. Its retryable flag is honest enough: the call works once the operator sets both.
    throw new ServerError(
      'PSRV_PLUGIN_UNAVAILABLE',
      'the file bridge has no platform to reach: this Plugin Server needs PLUGBOARD_PLATFORM_URL and PLUGBOARD_PLATFORM_API_KEY to move files',
    );
  }
  return {
    base: config.platformUrl.endsWith('/') ? config.platformUrl : `${config.platformUrl}/`,
    apiKey: config.platformApiKey,
  };
}

function describe(error: unknown): string {
  if (error instanceof Error) {
    const code = (error as { code?: unknown }).code;
    return typeof code === 'string' ? `${error.message} (${code})` : error.message;
  }
  return String(error);
}
