/**
 * @module The plugin process from start to exit: options, logging, plugin load, listen, handshake,
 * then drain on SIGTERM/SIGINT or when the parent goes away.
 */
import { writeSync } from 'node:fs';
import { once } from 'node:events';
import { flushCompileCache } from 'node:module';
import { format } from 'node:util';
import {
  PLUGIN_ENV,
  PROTOCOL_VERSION,
  UNIX_SOCKET_HANDSHAKE_VERSION,
  formatHandshake,
  type Handshake,
} from '@plugboard/protocol';
import { createDispatcher } from '../dispatch/dispatcher.ts';
import { PluginFailure } from '../dispatch/plugin-failure.ts';
import { createHttpFileTransport } from '../files/http-file-transport.ts';
import { createPluginHttpServer } from './http-server.ts';
import { startEgressRelay } from './egress-relay.ts';
import { loadPlugin } from './load-plugin.ts';
import { createProcessLog, type ProcessLog } from './json-log.ts';
import { RuntimeError } from './runtime-error.ts';
import { resolveServeOptions, type ServeOptionsInput } from './serve-options.ts';

/** How often the process checks that its parent still lives; a poll because no signal tells it. */
const PARENT_POLL_MS = 500;
/** After aborting leftover work at the end of a drain, how long answers get to reach their callers. */
const ABORT_FLUSH_MS = 250;

export interface PluginProcessInput {
  readonly flags: Partial<ServeOptionsInput>;
  readonly env: Readonly<Record<string, string | undefined>>;
}

/**
 * Serves a plugin until it is told to stop; resolves with the exit code. The caller (the CLI's
 * main) exits with it, so nothing here calls process.exit.
 */
export async function servePlugin(input: PluginProcessInput): Promise<number> {
  const options = resolveServeOptions(input.flags, input.env);
  const rootLog = createProcessLog({ level: options.logLevel, bindings: {} });
  keepStdoutForHandshake(rootLog);

  if (options.egressSocket !== undefined) {
    // Before the plugin's code runs, so the port is the relay's.
    await startEgressRelay(options.egressSocket);
  }
  const { plugin } = await loadPlugin(options.dir);
  const log = rootLog.child({ pluginId: plugin.id, version: plugin.version });
  const dispatcher = createDispatcher(plugin, {
    files: createHttpFileTransport({
      baseUrl: options.fileBridgeUrl,
      socketPath: options.fileBridgeSocket,
      launchToken: options.token,
    }),
    logger: (bindings) => log.child(bindings),
    maxConcurrency: options.maxConcurrency,
    defaultTimeoutMs: options.defaultTimeoutMs,
  });
  const shutdown = new AbortController();
  const http = createPluginHttpServer({
    dispatcher,
    pluginId: plugin.id,
    version: plugin.version,
    token: options.token,
    maxBodyBytes: options.maxBodyBytes,
    log,
    shutdownSignal: shutdown.signal,
  });

  const where = options.socketPath ?? `${options.host}:${String(options.port)}`;
  if (options.socketPath === undefined) {
    http.server.listen(options.port, options.host);
  } else {
    http.server.listen(options.socketPath);
  }
  try {
    await once(http.server, 'listening');
  } catch (error) {
    throw new RuntimeError(
      'SDK_LISTEN_FAILED',
      `cannot listen on ${where}: ${(error as Error).message}`,
    );
  }
  const address = http.server.address();
  const port = typeof address === 'object' && address !== null ? address.port : options.port;
  const handshake: Handshake =
    options.socketPath === undefined
      ? { transport: 'tcp', protocolVersion: PROTOCOL_VERSION, host: options.host, port }
      : {
          transport: 'unix',
          protocolVersion: UNIX_SOCKET_HANDSHAKE_VERSION,
          socketPath: options.socketPath,
        };
  // Written straight to fd 1 and synchronously: it is the only stdout line, and it must be whole.
  writeSync(1, formatHandshake(handshake));
  // The compile cache is otherwise written at exit, which a SIGKILLed plugin never reaches; then
  // every start would pay for stripping and compiling again.
  flushCompileCache();
  log.info(
    options.tokenGenerated
      ? `plugin listening; no ${PLUGIN_ENV.token.name} was set, so send the generated token shown here`
      : 'plugin listening',
    {
      url: options.socketPath ?? `http://${options.host}:${String(port)}`,
      nodes: [...plugin.nodes.keys()],
      ...(options.tokenGenerated ? { token: options.token } : {}),
    },
  );

  const reason = await stopRequested();
  log.info('draining', {
    reason,
    inFlight: dispatcher.inFlight,
    drainTimeoutMs: options.drainTimeoutMs,
  });
  http.beginDrain();
  http.server.close();
  const drained = await Promise.race([
    http.idle().then(() => true),
    delay(options.drainTimeoutMs).then(() => false),
  ]);
  if (!drained) {
    log.warn('drain timed out; aborting the executions still running', {
      inFlight: dispatcher.inFlight,
    });
    shutdown.abort(
      PluginFailure.of(
        'PLUGIN_SHUTTING_DOWN',
        'the plugin shut down before the execution finished',
      ),
    );
    await Promise.race([http.idle(), delay(ABORT_FLUSH_MS)]);
  }
  http.server.closeAllConnections();
  log.info('stopped', { drained });
  return 0;
}

/** Everything but the handshake goes to stderr: stray console.log or stdout writes become log lines. */
function keepStdoutForHandshake(log: ProcessLog): void {
  process.stdout.write = process.stderr.write.bind(process.stderr);
  const toLog =
    (level: 'info' | 'warn' | 'error' | 'debug') =>
    (...args: unknown[]): void => {
      log[level](format(...args), { source: 'console' });
    };
  /* eslint-disable no-console -- replacing console's methods so plugin code's console output becomes log lines */
  console.log = toLog('info');
  console.info = toLog('info');
  console.debug = toLog('debug');
  console.warn = toLog('warn');
  console.error = toLog('error');
  /* eslint-enable no-console */
}

/** Resolves on the first SIGTERM/SIGINT or parent exit; repeats are ignored so a drain is never cut short. */
function stopRequested(): Promise<string> {
  return new Promise((resolve) => {
    let stopping = false;
    const finish = (reason: string): void => {
      if (!stopping) {
        stopping = true;
        clearInterval(timer);
        resolve(reason);
      }
    };
    const parent = process.ppid;
    const timer = setInterval(() => {
      if (process.ppid !== parent) {
        finish('parent process exited');
      }
    }, PARENT_POLL_MS);
    timer.unref();
    process.on('SIGTERM', finish);
    process.on('SIGINT', finish);
  });
}

function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
