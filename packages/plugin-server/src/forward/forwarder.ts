/**
 * @module Forwards a call to a plugin process over its kept-alive pool: names checked against the
 * manifest first, a bounded queue, the caller's abort and a deadline passed on, bodies streamed
 * both ways, and a POST that reached the plugin never sent again.
 */
import type { Readable } from 'node:stream';
import { errors as undiciErrors, type Dispatcher } from 'undici';
import type { ServerConfig } from '../config.ts';
import { ServerError } from '../errors.ts';
import type { PluginManager } from '../plugins/plugin-manager.ts';

/**
 * In the details of a refusal the server gave before forwarding: the call provably never reached
 * a plugin, so a caller may send it again.
 */
export const NOT_FORWARDED = { forwarded: false } as const;

/** The plugin answers its own 504 at the deadline; this margin lets that answer arrive first. */
const DEADLINE_MARGIN_MS = 1_000;

export type ForwardTarget =
  | { readonly kind: 'node'; readonly name: string; readonly action: 'execute' | 'config' }
  | { readonly kind: 'integration'; readonly name: string; readonly action: 'config' | 'ready' }
  | { readonly kind: 'validate-config' };

export interface ForwardRequest {
  readonly pluginId: string;
  readonly target: ForwardTarget;
  readonly body: Readable | Buffer | undefined;
  readonly contentLength: string | undefined;
  readonly timeoutMs: number | undefined;
  readonly signal: AbortSignal;
}

export interface ForwardResponse {
  readonly statusCode: number;
  readonly contentType: string | undefined;
  readonly contentLength: string | undefined;
  readonly retryAfter: string | undefined;
  readonly body: Dispatcher.ResponseData['body'];
}

export async function forward(
  manager: PluginManager,
  config: ServerConfig,
  call: ForwardRequest,
): Promise<ForwardResponse> {
  const deadlineMs = Math.min(call.timeoutMs ?? config.limits.requestTimeoutMs, 86_400_000);
  // A plugin (re)starting, or a server still loading its records, is waited for within the
  // call's deadline: such a call never reached a plugin, so waiting is always safe.
  const serving = manager.get(call.pluginId);
  const plugin =
    serving?.running !== undefined
      ? serving
      : await manager.whenServing(call.pluginId, deadlineMs, call.signal);
  if (plugin === undefined) {
    throw new ServerError(
      'PSRV_PLUGIN_NOT_FOUND',
      `no plugin "${call.pluginId}" is installed on this server`,
      { details: NOT_FORWARDED },
    );
  }
  const instance = plugin.running;
  if (instance === undefined) {
    throw new ServerError(
      'PSRV_PLUGIN_UNAVAILABLE',
      `plugin "${plugin.id}" is ${plugin.status}${plugin.reason === undefined ? '' : ` (${plugin.reason})`}; retry once it is running`,
      {
        details: { status: plugin.status, ...NOT_FORWARDED },
      },
    );
  }
  if (plugin.status === 'missing_config' && call.target.kind === 'node') {
    throw new ServerError(
      'PSRV_CONFLICT',
      `plugin "${plugin.id}" cannot run nodes until it is configured: ${plugin.reason ?? ''}`,
      {
        details: { status: plugin.status },
      },
    );
  }
  const path = pathFor(call.target, instance.manifest);
  const limit = config.limits.connectionsPerPlugin + config.limits.queuePerPlugin;
  if (plugin.outstanding >= limit) {
    throw new ServerError(
      'PSRV_PLUGIN_OVERLOADED',
      `plugin "${plugin.id}" already has ${String(limit)} requests in flight or queued; retry shortly`,
      {
        details: { limit, ...NOT_FORWARDED },
      },
    );
  }
  // The plugin keeps its own clock from the deadline it is sent, so the overdue rule measures from
  // the moment the call reaches it, not from the wait before; the caller's clock bounds the whole.
  const timeoutMs = deadlineMs + DEADLINE_MARGIN_MS;
  plugin.outstanding += 1;
  let released = false;
  const release = (): void => {
    if (!released) {
      released = true;
      plugin.outstanding -= 1;
    }
  };
  try {
    const response = await instance.pool.request({
      path,
      method: 'POST',
      headers: {
        authorization: `Bearer ${instance.process.token}`,
        'content-type': 'application/json',
        ...(call.contentLength === undefined ? {} : { 'content-length': call.contentLength }),
      },
      body: call.body ?? null,
      // The deadline as undici's own timers (cheaper than a timeout signal per request): the
      // plugin answers when it is done, so time to headers is the time the work took.
      headersTimeout: timeoutMs,
      bodyTimeout: timeoutMs,
      signal: call.signal,
    });
    response.body.once('close', release);
    const header = (name: string): string | undefined => {
      const value = response.headers[name];
      return typeof value === 'string' ? value : undefined;
    };
    return {
      statusCode: response.statusCode,
      contentType: header('content-type'),
      contentLength: header('content-length'),
      retryAfter: header('retry-after'),
      body: response.body,
    };
  } catch (error) {
    release();
    if (error instanceof undiciErrors.HeadersTimeoutError) {
      // The plugin answers its own timeout at the deadline; silence past it means its event loop
      // is stuck, and every other call on the process would wait behind it.
      manager.replaceOverdue(
        plugin,
        instance,
        `a call to ${path} overran its ${String(timeoutMs - DEADLINE_MARGIN_MS)} ms deadline without an answer`,
      );
      throw new ServerError(
        'PSRV_PLUGIN_TIMEOUT',
        `plugin "${plugin.id}" did not answer within ${String(timeoutMs - DEADLINE_MARGIN_MS)} ms; its process is being replaced`,
      );
    }
    if (error instanceof undiciErrors.BodyTimeoutError) {
      throw new ServerError(
        'PSRV_PLUGIN_TIMEOUT',
        `plugin "${plugin.id}" did not answer within ${String(timeoutMs - DEADLINE_MARGIN_MS)} ms`,
      );
    }
    if (call.signal.aborted) {
      throw new ServerError('PSRV_PLUGIN_UNAVAILABLE', 'the caller went away');
    }
    if (error instanceof ServerError) {
      throw error;
    }
    if (instance.overdue !== undefined) {
      throw new ServerError(
        'PSRV_PLUGIN_UNAVAILABLE',
        `plugin "${plugin.id}" had its process replaced while this call ran (${instance.overdue}); retry`,
      );
    }
    throw new ServerError(
      'PSRV_PLUGIN_CRASHED',
      `plugin "${plugin.id}" failed while handling the request (${describe(error)}); it was not sent again because it may have run`,
    );
  }
}

function pathFor(
  target: ForwardTarget,
  manifest: { nodes: { name: string }[]; integrations: { name: string }[] },
): string {
  if (target.kind === 'validate-config') {
    return '/validate-config';
  }
  const known = target.kind === 'node' ? manifest.nodes : manifest.integrations;
  // Checked against the manifest so nothing undeclared (or path-like) ever reaches the plugin.
  if (!known.some((n) => n.name === target.name)) {
    throw new ServerError(
      'PSRV_NODE_NOT_FOUND',
      `the plugin has no ${target.kind} "${target.name.slice(0, 80)}"; available: ${known.map((n) => n.name).join(', ') || '(none)'}`,
      {
        details: { available: known.map((n) => n.name) },
      },
    );
  }
  return `/${target.kind === 'node' ? 'nodes' : 'integrations'}/${encodeURIComponent(target.name)}/${target.action}`;
}

function describe(error: unknown): string {
  if (error instanceof undiciErrors.SocketError) {
    return 'the connection closed';
  }
  return (error as Error).message;
}
