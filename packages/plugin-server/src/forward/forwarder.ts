/**
 * @module Forwards a call to a plugin process over its kept-alive pool: names checked against the
 * manifest first, a bounded queue, the caller's abort and a deadline passed on, bodies streamed
 * both ways, and a POST that reached the plugin never sent again.
 */
import type { Readable } from 'node:stream';
import { STUCK_AFTER_MS } from '@plugboard/protocol';
import { errors as undiciErrors, type Dispatcher } from 'undici';
import type { ServerConfig } from '../config.ts';
import { ServerError } from '../errors.ts';
import type { ManagedPlugin, RunningInstance } from '../plugins/managed-plugin.ts';
import type { PluginManager } from '../plugins/plugin-manager.ts';

/**
 * In the details of a refusal the server gave before forwarding: the call provably never reached
 * a plugin, so a caller may send it again.
 */
const NOT_FORWARDED = { forwarded: false } as const;

/** The plugin answers its own 504 at the deadline; this margin lets that answer arrive first. */
const DEADLINE_MARGIN_MS = 1_000;

/** Past the plugin's own grace for code to stop, so its count of stuck executions is current. */
const STUCK_CHECK_MARGIN_MS = 250;

export type ForwardTarget =
  | { readonly kind: 'node'; readonly name: string; readonly action: 'execute' | 'config' }
  | { readonly kind: 'integration'; readonly name: string; readonly action: 'config' | 'ready' }
  | { readonly kind: 'validate-config' };

export interface ForwardRequest {
  readonly pluginId: string;
  /** The version the call is for (a node pinned to it); the current one when absent. */
  readonly version?: string | undefined;
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

/** How many times a call that provably reached no process is handed to the plugin's next one. */
const MAX_HAND_OVERS = 5;

export async function forward(
  manager: PluginManager,
  config: ServerConfig,
  call: ForwardRequest,
): Promise<ForwardResponse> {
  const deadlineMs = Math.min(call.timeoutMs ?? config.limits.requestTimeoutMs, 86_400_000);
  const until = performance.now() + deadlineMs;
  for (let handOvers = 0; ; handOvers += 1) {
    const { plugin, instance } = await servingInstance(
      manager,
      call,
      Math.max(0, until - performance.now()),
    );
    try {
      return await send(call, { manager, config, plugin, instance, deadlineMs });
    } catch (error) {
      // A call that ran in no process (the process was gone, replaced or stuck before it read the
      // call) is sent to the plugin's next process within the deadline, when its body can be sent
      // again.
      if (
        !reachedNoProcess(error) ||
        !bodyReusable(call.body) ||
        handOvers >= MAX_HAND_OVERS ||
        call.signal.aborted ||
        performance.now() >= until
      ) {
        throw failure(error, call, { plugin, instance });
      }
      if (!(await replaced(plugin, instance, until - performance.now()))) {
        throw failure(error, call, { plugin, instance });
      }
    }
  }
}

/** The plugin and the process to send to, waiting within the deadline for one that serves. */
async function servingInstance(
  manager: PluginManager,
  call: ForwardRequest,
  waitMs: number,
): Promise<{ plugin: ManagedPlugin; instance: RunningInstance }> {
  // A plugin (re)starting, or a server still loading its records, is waited for within the
  // call's deadline: such a call never reached a plugin, so waiting is always safe.
  const serving = manager.get(call.pluginId);
  const plugin =
    serving?.running !== undefined
      ? serving
      : await manager.whenServing(call.pluginId, waitMs, call.signal);
  if (plugin === undefined) {
    throw new ServerError(
      'PSRV_PLUGIN_NOT_FOUND',
      `no plugin "${call.pluginId}" is installed on this server`,
      { details: NOT_FORWARDED },
    );
  }
  if (call.version !== undefined && call.version !== plugin.version) {
    // A version kept for the workflows pinned to it: its own process, started when none runs.
    const side = await manager.instanceFor(plugin, call.version);
    if (side !== undefined) {
      return { plugin, instance: side };
    }
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
  return { plugin, instance };
}

async function send(
  call: ForwardRequest,
  hop: {
    manager: PluginManager;
    config: ServerConfig;
    plugin: ManagedPlugin;
    instance: RunningInstance;
    deadlineMs: number;
  },
): Promise<ForwardResponse> {
  const { manager, config, plugin, instance, deadlineMs } = hop;
  const path = pathFor(call.target, instance.manifest);
  const limit = config.limits.connectionsPerPlugin + config.limits.queuePerPlugin;
  if (!plugin.admitCall(limit)) {
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
  let released = false;
  const release = (): void => {
    if (!released) {
      released = true;
      plugin.callEnded();
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
    if (response.statusCode === 504) {
      checkStuck(instance);
    }
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
        `a call to ${path} overran its ${String(deadlineMs)} ms deadline without an answer`,
      );
      throw new ServerError(
        'PSRV_PLUGIN_TIMEOUT',
        `plugin "${plugin.id}" did not answer within ${String(deadlineMs)} ms; its process is being replaced`,
      );
    }
    if (call.signal.aborted) {
      checkStuck(instance);
    }
    if (error instanceof undiciErrors.BodyTimeoutError) {
      throw new ServerError(
        'PSRV_PLUGIN_TIMEOUT',
        `plugin "${plugin.id}" did not answer within ${String(deadlineMs)} ms`,
      );
    }
    throw error;
  }
}

/**
 * The plugin gave up on a call (its deadline, or the caller went away): if the code goes on
 * running regardless, the process reports it as stuck once the grace has passed, and the
 * supervisor replaces it then rather than at the next regular probe.
 */
function checkStuck(instance: RunningInstance): void {
  instance.probe.soon(STUCK_AFTER_MS + STUCK_CHECK_MARGIN_MS);
}

/** What the caller is told when the call failed on its way to or in the plugin. */
function failure(
  error: unknown,
  call: ForwardRequest,
  at: { plugin: ManagedPlugin; instance: RunningInstance },
): ServerError {
  const { plugin, instance } = at;
  if (error instanceof ServerError) {
    return error;
  }
  if (call.signal.aborted) {
    return new ServerError('PSRV_PLUGIN_UNAVAILABLE', 'the caller went away');
  }
  if (reachedNoProcess(error)) {
    return new ServerError(
      'PSRV_PLUGIN_UNAVAILABLE',
      `plugin "${plugin.id}" has no process taking calls (${describe(error)}); retry once it is running`,
      { details: NOT_FORWARDED },
    );
  }
  if (instance.overdue !== undefined) {
    return new ServerError(
      'PSRV_PLUGIN_UNAVAILABLE',
      `plugin "${plugin.id}" had its process replaced while this call ran (${instance.overdue}); retry`,
    );
  }
  return new ServerError(
    'PSRV_PLUGIN_CRASHED',
    `plugin "${plugin.id}" failed while handling the request (${describe(error)}); it was not sent again because it may have run`,
  );
}

/**
 * Failures that prove the call ran in no process: no connection could be made, the pool had
 * already been closed for a replaced process, or the connection was reset.
 *
 * A reset proves it because of how both ends work. The kernel resets a connection (TCP, and Unix
 * sockets alike) only when its process closes it, or dies, with bytes it has not read; the plugin
 * runtime reads a whole request before it runs any plugin code; and a connection carries one
 * request at a time. So the unread bytes were this call's, and it never started: typically a
 * process killed or stuck while the call waited on a kept-alive connection. A process that dies
 * while the call runs has read it all, and the connection just closes ("other side closed"): that
 * call may have run, and is never sent again.
 */
function reachedNoProcess(error: unknown): boolean {
  if (
    error instanceof undiciErrors.ClientClosedError ||
    error instanceof undiciErrors.ConnectTimeoutError
  ) {
    return true;
  }
  const { syscall, code } = (error ?? {}) as NodeJS.ErrnoException;
  // A failed connect (refused, reset during it, no socket file) wrote nothing.
  return syscall === 'connect' || code === 'ECONNRESET' || code === 'EPIPE';
}

function bodyReusable(body: ForwardRequest['body']): boolean {
  // A stream undici has started on, or destroyed after a failed connect, cannot be sent again.
  return body === undefined || Buffer.isBuffer(body) || (!body.readableDidRead && !body.destroyed);
}

/** A refused process is usually exiting: waits for that briefly, never past the deadline. */
const EXIT_WAIT_MS = 2_000;

/**
 * Whether the plugin no longer names this process as the one serving, once it has exited or
 * within a short wait (a process that refuses connections and lives on is not waited out).
 */
async function replaced(
  plugin: ManagedPlugin,
  instance: RunningInstance,
  waitMs: number,
): Promise<boolean> {
  if (plugin.running === instance) {
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([
      instance.process.exited,
      new Promise((resolve) => {
        timer = setTimeout(resolve, Math.min(waitMs, EXIT_WAIT_MS));
      }),
    ]);
    clearTimeout(timer);
    // The exit is handled on the turn it resolves; one more turn lets that land.
    await new Promise(setImmediate);
  }
  return plugin.running !== instance;
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
