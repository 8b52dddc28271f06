/**
 * @module createPluginServer: the whole Plugin Server, wired from its config, for `plugboard server`
 * and for embedding (tests build the same server with test settings).
 */
import { createHash } from 'node:crypto';
import { chmod, mkdir, mkdtemp, rm } from 'node:fs/promises';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PLUGIN_ENV } from '@plugboard/protocol';
import type { FastifyBaseLogger, FastifyInstance } from 'fastify';
import { pino } from 'pino';
import { createApp } from './app.ts';
import type { StatusLink } from './http/reconcile.routes.ts';
import { dataLayout } from './data-layout.ts';
import type { ServerConfig } from './config.ts';
import { createProcessEngine } from './engine/process-engine.ts';
import { egressRelayScript, runtimeReadPaths } from './engine/runtime-paths.ts';
import { PluginManager, type PluginManagerDeps } from './plugins/plugin-manager.ts';
import { fetchDesiredState } from './reconcile/desired-state-client.ts';
import { DesiredStatePull } from './reconcile/desired-state-pull.ts';
import { Reconciler } from './reconcile/reconciler.ts';
import { bridgeSockets } from './http/bridge-socket.ts';
import { describeSandbox } from '@plugboard/server-api';
import { probeHost } from './sandbox/host-probe.ts';
import { createPluginUids } from './sandbox/plugin-uids.ts';
import { createSandbox } from './sandbox/sandbox.ts';
import { STATUS_WEBHOOK_PATH } from '@plugboard/server-api';
import { StatusOutbox } from './webhooks/status-outbox.ts';
import { publishStatusChanges } from './webhooks/status-publisher.ts';

export interface PluginServerOptions {
  readonly config: ServerConfig;
  /** The `plugboard` bin that serves plugins (`plugboard plugin serve`). */
  readonly serveBin: string;
  /** The Node that runs plugins; the one running this server by default. */
  readonly node?: string;
  readonly logger?: FastifyBaseLogger;
  /** Host environment: PATH, LANG, TZ and the names a plugin is granted (config.pluginEnv) pass on. */
  readonly hostEnv?: Readonly<Record<string, string | undefined>>;
  /** Told of a status change the status rules do not allow (a bug); logged by default. */
  readonly onUnexpectedStatus?: PluginManagerDeps['onUnexpectedStatus'];
}

export interface PluginServer {
  readonly app: FastifyInstance;
  /** What this host confines plugins with, probed at start, as one line. */
  readonly sandboxSummary: string;
  readonly manager: PluginManager;
  readonly reconciler: Reconciler;
  /** Listens on the configured address, then starts the plugins a previous run installed; resolves with the URL. */
  listen(): Promise<string>;
  /** Stops taking requests, stops every plugin process, closes. */
  close(): Promise<void>;
}

export async function createPluginServer(options: PluginServerOptions): Promise<PluginServer> {
  const { config } = options;
  const logger = options.logger ?? pino({ level: config.logLevel });
  const hostEnv = options.hostEnv ?? {};
  const layout = dataLayout(config.dataDir);
  await mkdir(config.dataDir, { recursive: true });
  const hostSandbox = await probeHost({
    path: hostEnv['PATH'] ?? '/usr/local/bin:/usr/bin:/bin',
    tag: createHash('sha256').update(config.dataDir).digest('hex').slice(0, 12),
    trialUid: config.sandbox.uidBase - 1,
  });
  const { mode } = config.sandbox;
  const lacking = mode === 'off' || hostSandbox.layers.missing.length > 0;
  const sandboxSummary =
    mode === 'off'
      ? 'sandbox off (PLUGBOARD_SERVER_SANDBOX=off): plugins run unconfined; use it only for plugins you trust'
      : `sandbox ${mode}: ${describeSandbox(hostSandbox.layers)}${
          !lacking
            ? ''
            : mode === 'strict'
              ? '; strict mode starts no plugin until every layer holds'
              : '; WARNING: plugins run less confined than they could'
        }`;
  logger[!lacking ? 'info' : mode === 'strict' ? 'error' : 'warn'](
    { confined: hostSandbox.layers.confined, missing: hostSandbox.layers.missing },
    sandboxSummary,
  );
  // Short, so socket paths stay under the 107-byte limit wherever the data folder lives.
  const runRoot = await mkdtemp(join(tmpdir(), 'plugboard-'));
  await chmod(runRoot, 0o711);
  const readPaths = runtimeReadPaths(options.serveBin);
  let listening: FastifyInstance | undefined;
  const openBridge = bridgeSockets(() => listening);
  const sandbox = createSandbox({
    mode,
    host: hostSandbox,
    policy: config,
    uids: createPluginUids(join(config.dataDir, 'plugin-uids.json'), config.sandbox.uidBase),
    runRoot,
    openBridge,
    install: {
      cacheDir: layout.installCache,
      readPaths,
      path: hostEnv['PATH'] ?? '/usr/local/bin:/usr/bin:/bin',
      relay: {
        node: options.node ?? process.execPath,
        script: egressRelayScript(options.serveBin),
      },
      log: (line) => {
        logger.warn(line);
      },
    },
  });
  let bridgeUrl: string | undefined;
  const manager = new PluginManager({
    config,
    onUnexpectedStatus:
      options.onUnexpectedStatus ??
      ((id, from, to) => {
        logger.error({ pluginId: id, from, to }, 'a status change the status rules do not allow');
      }),
    // Known once the API listens; plugins started before that (none are) would get no bridge.
    pluginEnv: () =>
      bridgeUrl === undefined ? {} : { [PLUGIN_ENV.fileBridgeUrl.name]: bridgeUrl },
    engine: createProcessEngine({
      node: options.node ?? process.execPath,
      serveBin: options.serveBin,
      runtimeReadPaths: readPaths,
      handshakeTimeoutMs: config.limits.handshakeTimeoutMs,
      hostEnv,
      sandbox,
      pluginsDir: layout.plugins,
      install: {
        installers: config.install.installers,
        ...(config.install.registry === undefined ? {} : { registry: config.install.registry }),
        offline: config.install.offline,
        allowScripts: config.install.allowScripts,
        cacheDir: layout.installCache,
        timeoutMs: config.limits.installTimeoutMs,
      },
    }),
  });
  const outbox =
    config.platformUrl === undefined || config.webhookSecret === undefined
      ? undefined
      : new StatusOutbox({
          dir: layout.webhooks,
          url: new URL(STATUS_WEBHOOK_PATH, withSlash(config.platformUrl)).href,
          healthUrl: new URL('health', withSlash(config.platformUrl)).href,
          secret: config.webhookSecret,
          apiKey: config.platformApiKey,
          log: (message, fields) => {
            logger.warn(fields, message);
          },
        });
  let statuses: StatusLink | undefined;
  if (outbox !== undefined) {
    await outbox.load();
    const publisher = publishStatusChanges(manager, outbox, (change, error) => {
      logger.error(
        { pluginId: change.id, status: change.status, err: error },
        'could not record a status webhook',
      );
    });
    statuses = {
      resync: () => publisher.resync(),
      platformAnswered: () => {
        outbox.platformAnswered();
      },
      unsaved: () => outbox.unsaved,
    };
  }
  const reconciler = new Reconciler(manager);
  const { platformUrl } = config;
  const pull =
    platformUrl === undefined
      ? undefined
      : new DesiredStatePull({
          fetch: () =>
            fetchDesiredState(platformUrl, config.platformApiKey, config.limits.requestTimeoutMs),
          reconcile: (desired) => reconciler.reconcile(desired),
          answered: () => statuses?.platformAnswered(),
        });
  const app = await createApp({ config, manager, pull, logger, sandbox, statuses });
  let resync: NodeJS.Timeout | undefined;
  const pullAndReconcile = async (): Promise<void> => {
    try {
      const report = await pull?.now();
      const acted = report?.actions.filter((a) => a.action !== 'none') ?? [];
      if (acted.length > 0) {
        logger.info({ actions: acted }, 'reconciled with the platform');
      }
    } catch (error) {
      logger.warn(
        { err: error },
        'reconcile with the platform failed; retrying at the next interval',
      );
    }
  };
  manager.on('status', (change) => {
    logger.info(
      { pluginId: change.id, status: change.status, reason: change.reason },
      'plugin status',
    );
  });
  return {
    app,
    sandboxSummary,
    manager,
    reconciler,
    async listen() {
      const url = await app.listen({ host: config.host, port: config.port });
      const { port } = app.server.address() as AddressInfo;
      const host = config.host === '0.0.0.0' || config.host === '::' ? '127.0.0.1' : config.host;
      bridgeUrl = `http://${host}:${String(port)}/bridge`;
      listening = app;
      // Plugins start only now, so each learns the file bridge's address.
      await manager.boot();
      await pullAndReconcile();
      resync = setInterval(() => void pullAndReconcile(), config.reconcileIntervalMs);
      resync.unref();
      return url;
    },
    async close() {
      clearInterval(resync);
      await app.close();
      await manager.shutdown();
      await sandbox.close();
      // Statuses still waiting get a moment to reach the platform; the rest wait on disk.
      await outbox?.drained(2_000);
      outbox?.stop();
      await rm(runRoot, { recursive: true, force: true });
    },
  };
}

function withSlash(url: string): string {
  return url.endsWith('/') ? url : `${url}/`;
}
