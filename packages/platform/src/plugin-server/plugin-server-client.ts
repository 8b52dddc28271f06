/**
 * @module The platform's calls to the Plugin Server: install, uninstall, restart, configure,
 * reconcile, and the forwarded plugin routes (execute, node config, integration ready). One
 * keep-alive agent; every failure becomes a PlatformError that says which side failed and why.
 */
import {
  backoffDelay,
  errorEnvelopeSchema,
  type ErrorKind,
  type ExecuteRequest,
} from '@plugboard/protocol';
import {
  PLUGIN_VERSION_HEADER,
  pluginDetailSchema,
  pluginViewSchema,
  reconcileReportSchema,
  statusResyncSchema,
  type PluginDetail,
  type PluginGrant,
  type PluginSource,
  type PluginView,
  type ReconcileReport,
} from '@plugboard/server-api';
import { setTimeout as sleep } from 'node:timers/promises';
import { Agent, request } from 'undici';
import type { z } from 'zod';
import { PlatformError } from '../errors.ts';

interface ExecuteCall {
  readonly pluginId: string;
  /** The version whose process runs it (a node pinned to an older version runs on that one). */
  readonly version?: string | undefined;
  readonly node: string;
  readonly body: ExecuteRequest;
  readonly timeoutMs: number;
  readonly signal: AbortSignal;
}

/** An error the plugin (or the Plugin Server on its behalf) answered with. */
export interface RemoteFailure {
  readonly status: number;
  readonly code: string;
  readonly kind: ErrorKind;
  readonly message: string;
  readonly retryable: boolean;
  readonly details?: Record<string, unknown> | undefined;
}

type ExecuteOutcome =
  | { readonly ok: true; readonly outputs: Record<string, unknown>; readonly durationMs: number }
  | { readonly ok: false; readonly failure: RemoteFailure };

export interface PluginServerClient {
  install(
    id: string,
    body: {
      source: PluginSource;
      version?: string;
      config?: Record<string, unknown>;
      grant?: PluginGrant;
      /** False installs it beside the current version, staged; otherwise it is made current. */
      activate?: boolean;
    },
  ): Promise<PluginView>;
  /** Makes an installed version current; the status webhook says when it is. */
  activate(id: string, version: string): Promise<PluginView>;
  /** Makes the previous installed version (or `to`) current. */
  rollback(id: string, to: string | undefined): Promise<PluginView>;
  grant(id: string, grant: PluginGrant): Promise<PluginView>;
  /** `uninstalled` when the server did not have it; otherwise the webhook says when it is gone. */
  uninstall(id: string): Promise<'uninstalling' | 'uninstalled'>;
  restart(id: string): Promise<PluginView>;
  configure(id: string, config: Record<string, unknown>): Promise<PluginView>;
  get(id: string): Promise<PluginDetail | undefined>;
  logs(id: string, tail: number): Promise<string>;
  /** Nudges the Plugin Server to pull the desired state now; answers what it did. */
  reconcile(): Promise<ReconcileReport>;
  /** Asks for every plugin's current status again by webhook; answers how many. */
  resyncStatuses(): Promise<number>;
  /** Whether it answers and has loaded its plugin records (false when it cannot be reached). */
  ready(): Promise<boolean>;
  execute(call: ExecuteCall): Promise<ExecuteOutcome>;
  /** A forwarded plugin route that answers JSON (node config, integration ready, validate-config). */
  pluginCall(
    pluginId: string,
    path: string,
    body: unknown,
  ): Promise<{ ok: true; body: unknown } | { ok: false; failure: RemoteFailure }>;
  close(): Promise<void>;
}

export function createPluginServerClient(options: {
  readonly url: string;
  readonly apiKey: string;
}): PluginServerClient {
  const agent = new Agent({ keepAliveTimeout: 30_000, connections: 64 });
  const base = options.url.endsWith('/') ? options.url : `${options.url}/`;

  const send = async (
    method: 'GET' | 'POST',
    path: string,
    init: { body?: unknown; signal?: AbortSignal; headers?: Record<string, string> } = {},
  ) => {
    const url = new URL(path.replace(/^\//, ''), base);
    try {
      return await request(url, {
        dispatcher: agent,
        method,
        headers: {
          authorization: `Bearer ${options.apiKey}`,
          ...(init.body === undefined ? {} : { 'content-type': 'application/json' }),
          ...init.headers,
        },
        body: init.body === undefined ? null : JSON.stringify(init.body),
        signal: init.signal ?? AbortSignal.timeout(30_000),
      });
    } catch (error) {
      if (init.signal?.aborted === true) {
        throw error;
      }
      throw new PlatformError(
        'PLAT_PLUGIN_SERVER_UNAVAILABLE',
        `cannot reach the Plugin Server at ${url.origin} (${(error as Error).message}); is it running, and is PLUGBOARD_PLUGIN_SERVER_URL right?`,
        { cause: error },
      );
    }
  };

  const failureOf = async (response: Awaited<ReturnType<typeof send>>): Promise<RemoteFailure> => {
    const text = await response.body.text();
    let parsed: unknown;
    try {
      parsed = JSON.parse(text);
    } catch {
      parsed = undefined;
    }
    const envelope = errorEnvelopeSchema.safeParse(parsed);
    if (envelope.success) {
      return { status: response.statusCode, ...envelope.data.error };
    }
    return {
      status: response.statusCode,
      code: 'PLAT_PLUGIN_SERVER_ERROR',
      kind: 'operational',
      message: `the Plugin Server answered ${String(response.statusCode)}: ${text.slice(0, 200)}`,
      retryable: response.statusCode >= 500,
    };
  };

  const json = async <S extends z.ZodType>(
    schema: S,
    response: Awaited<ReturnType<typeof send>>,
  ): Promise<z.output<S>> => {
    if (response.statusCode >= 300) {
      const failure = await failureOf(response);
      // A 4xx is the request's fault (a bad source, say): the caller's, so a 4xx for them too —
      // except 401/403, which mean this platform holds the wrong key: an operator's problem.
      const code =
        failure.status === 404
          ? 'PLAT_PLUGIN_NOT_FOUND'
          : failure.status >= 400 &&
              failure.status < 500 &&
              failure.status !== 401 &&
              failure.status !== 403
            ? 'PLAT_BAD_REQUEST'
            : 'PLAT_PLUGIN_SERVER_ERROR';
      throw new PlatformError(
        code,
        `the Plugin Server refused: ${failure.message} (${failure.code})`,
        { details: { pluginServer: failure } },
      );
    }
    const parsed = schema.safeParse(await jsonBody(response));
    if (!parsed.success) {
      throw new PlatformError(
        'PLAT_PLUGIN_SERVER_ERROR',
        `the Plugin Server answered in an unexpected shape: ${parsed.error.message}`,
      );
    }
    return parsed.data;
  };

  const id = (value: string) => encodeURIComponent(value);

  const sendExecute = async (call: ExecuteCall): Promise<ExecuteOutcome> => {
    const response = await send(
      'POST',
      `plugins/${id(call.pluginId)}/nodes/${id(call.node)}/execute`,
      {
        body: call.body,
        signal: call.signal,
        headers: {
          'x-plugboard-timeout-ms': String(call.timeoutMs),
          ...(call.version === undefined ? {} : { [PLUGIN_VERSION_HEADER]: call.version }),
        },
      },
    );
    if (response.statusCode >= 300) {
      return { ok: false, failure: await failureOf(response) };
    }
    const answer = (await jsonBody(response)) as {
      outputs?: Record<string, unknown>;
      durationMs?: number;
    };
    return { ok: true, outputs: answer.outputs ?? {}, durationMs: answer.durationMs ?? 0 };
  };

  return {
    install: async (pluginId, body) =>
      json(pluginViewSchema, await send('POST', `plugins/${id(pluginId)}/install`, { body })),
    uninstall: async (pluginId) => {
      const response = await send('POST', `plugins/${id(pluginId)}/uninstall`, { body: {} });
      if (response.statusCode >= 300) {
        const failure = await failureOf(response);
        throw new PlatformError(
          'PLAT_PLUGIN_SERVER_ERROR',
          `the Plugin Server refused to uninstall: ${failure.message}`,
        );
      }
      const answer = (await response.body.json()) as { status?: string };
      return answer.status === 'uninstalled' ? 'uninstalled' : 'uninstalling';
    },
    grant: async (pluginId, grant) =>
      json(
        pluginViewSchema,
        await send('POST', `plugins/${id(pluginId)}/grant`, { body: { grant } }),
      ),
    activate: async (pluginId, version) =>
      json(
        pluginViewSchema,
        await send('POST', `plugins/${id(pluginId)}/activate`, { body: { version } }),
      ),
    rollback: async (pluginId, to) =>
      json(
        pluginViewSchema,
        await send('POST', `plugins/${id(pluginId)}/rollback`, {
          body: to === undefined ? {} : { to },
        }),
      ),
    restart: async (pluginId) =>
      json(pluginViewSchema, await send('POST', `plugins/${id(pluginId)}/restart`, { body: {} })),
    configure: async (pluginId, config) =>
      json(
        pluginViewSchema,
        await send('POST', `plugins/${id(pluginId)}/config`, { body: { config } }),
      ),
    get: async (pluginId) => {
      const response = await send('GET', `plugins/${id(pluginId)}`);
      if (response.statusCode === 404) {
        await response.body.dump();
        return undefined;
      }
      return json(pluginDetailSchema, response);
    },
    logs: async (pluginId, tail) => {
      const response = await send('GET', `plugins/${id(pluginId)}/logs?tail=${String(tail)}`);
      if (response.statusCode >= 300) {
        const failure = await failureOf(response);
        throw new PlatformError(
          failure.status === 404 ? 'PLAT_PLUGIN_NOT_FOUND' : 'PLAT_PLUGIN_SERVER_ERROR',
          failure.message,
        );
      }
      return response.body.text();
    },
    reconcile: async () =>
      json(reconcileReportSchema, await send('POST', 'reconcile', { body: {} })),
    resyncStatuses: async () =>
      (await json(statusResyncSchema, await send('POST', 'statuses/resync', { body: {} }))).resent,
    ready: async () => {
      try {
        const response = await send('GET', 'health', { signal: AbortSignal.timeout(2_000) });
        const answer = (await jsonBody(response)) as { ready?: unknown };
        // A server from before readiness was reported is ready once it answers.
        return response.statusCode === 200 && answer.ready !== false;
      } catch {
        return false;
      }
    },
    execute: async (call) => {
      // A call that provably never reached a plugin (no connection, or refused by the Plugin
      // Server before forwarding) is sent again within its deadline; one that may have reached
      // it never is.
      const deadline = performance.now() + call.timeoutMs;
      for (let round = 1; ; round += 1) {
        const pause = backoffDelay(round, { baseMs: 100, maxMs: 2_000 });
        const attempt = await sendExecute(call).catch((error: unknown) => {
          if (!neverConnected(error) || call.signal.aborted) {
            throw error;
          }
          return error as PlatformError;
        });
        const retry =
          attempt instanceof PlatformError
            ? attempt
            : attempt.ok ||
                !attempt.failure.retryable ||
                attempt.failure.details?.['forwarded'] !== false
              ? undefined
              : attempt;
        if (retry === undefined || performance.now() + pause >= deadline) {
          if (attempt instanceof PlatformError) {
            throw attempt;
          }
          return attempt;
        }
        await sleep(pause, undefined, { signal: call.signal }).catch(() => undefined);
        if (call.signal.aborted) {
          if (attempt instanceof PlatformError) {
            throw attempt;
          }
          return attempt;
        }
      }
    },
    pluginCall: async (pluginId, path, body) => {
      const response = await send('POST', `plugins/${id(pluginId)}/${path.replace(/^\//, '')}`, {
        body,
      });
      if (response.statusCode >= 300) {
        return { ok: false, failure: await failureOf(response) };
      }
      return { ok: true, body: await jsonBody(response) };
    },
    close: () => agent.close(),
  };
}

async function jsonBody(response: { body: { text(): Promise<string> } }): Promise<unknown> {
  const text = await response.body.text();
  try {
    return JSON.parse(text) as unknown;
  } catch {
    throw new PlatformError(
      'PLAT_PLUGIN_SERVER_ERROR',
      `the Plugin Server answered something that is not JSON: ${text.slice(0, 200)}`,
    );
  }
}

/** Whether a request failed before any connection was made, so nothing of it was sent. */
function neverConnected(error: unknown): boolean {
  const cause = (error as { cause?: { code?: unknown } }).cause;
  return (
    error instanceof PlatformError &&
    (cause?.code === 'ECONNREFUSED' || cause?.code === 'UND_ERR_CONNECT_TIMEOUT')
  );
}
