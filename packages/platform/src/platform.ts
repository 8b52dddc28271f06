/**
 * @module createPlatform: the platform process (the backend, and its worker unless that
 * runs apart), wired from its config. `plugboard platform` and tests build the same thing.
 */
import type { AddressInfo } from 'node:net';
import type { FastifyBaseLogger } from 'fastify';
import { pino } from 'pino';
import type { PlatformConfig } from './config.ts';
import { createCredentialChecks } from './credentials/credential-checks.ts';
import { credentialsRoutes } from './credentials/credentials.routes.ts';
import { filesRoutes } from './files/files.routes.ts';
import { pluginServerFilesRoutes } from './files/plugin-server-files.routes.ts';
import { createHttpApp, type PlatformApp } from './http/app.ts';
import { registerIdempotency } from './http/idempotency.ts';
import { IdempotencyStore } from './http/idempotency-store.ts';
import { marketplaceRoutes } from './marketplace/marketplace.routes.ts';
import { PLUGINS_CHANNEL, pluginEventsRoutes } from './plugins/plugin-events.routes.ts';
import { pluginServerStatusRoutes } from './plugins/plugin-server-status.routes.ts';
import { pluginsRoutes } from './plugins/plugins.routes.ts';
import type { RunWorker } from './runs/run-worker.ts';
import { runsRoutes } from './runs/runs.routes.ts';
import { createServices, type PlatformServices } from './services.ts';
import { webUiRoutes } from './web/web-ui.routes.ts';
import { pinSavedWorkflows } from './workflows/node-pins.ts';
import { workflowsRoutes } from './workflows/workflows.routes.ts';

/** Past this, a key claimed by a request that never answered may be taken over by a retry. */
const IDEMPOTENCY_STALE_MS = 120_000;

export interface Platform {
  readonly app: PlatformApp;
  readonly services: PlatformServices;
  readonly worker: RunWorker | undefined;
  /** Listens, starts the worker, nudges the Plugin Server to pull the desired state; resolves with the URL. */
  listen(): Promise<string>;
  /** Stops the worker (runs in progress drain, then end `failed`), the API, then the database. */
  close(): Promise<void>;
}

export async function createPlatform(options: {
  readonly config: PlatformConfig;
  readonly logger?: FastifyBaseLogger;
}): Promise<Platform> {
  const { config } = options;
  const logger = options.logger ?? pino({ level: config.logLevel });
  const services = await createServices(config, logger);
  const { db, plugins, pluginRepo, pluginServer, workflows, runs, bus, files } = services;
  const app = await createHttpApp(config, logger);
  // A claim older than the longest a request can take belongs to a process that died.
  registerIdempotency(app, new IdempotencyStore(db, IDEMPOTENCY_STALE_MS), logger);
  app.get(
    '/live',
    {
      schema: {
        summary:
          'Liveness; no token needed: 200 while the process answers, whatever its database does (restart on this, route traffic on /health)',
        security: [],
      },
    },
    () => ({ status: 'ok' }),
  );
  app.get(
    '/health',
    {
      schema: {
        summary:
          'Readiness; no token needed. 200 while the database answers; 503 `PLAT_DATABASE_UNAVAILABLE` while it does not (the worker keeps its runs meanwhile: do not restart on this, see /live)',
        security: [],
      },
    },
    async () => {
      await db.query('SELECT 1');
      return { status: 'ok', ready: true };
    },
  );
  await app.register(pluginsRoutes, {
    plugins,
    pluginServer,
    workflows,
    registry: () => services.registry(),
  });
  const pins = workflowPinning(services, logger);
  await app.register(pluginServerStatusRoutes, {
    repo: pluginRepo,
    plugins,
    webhookSecret: config.webhookSecret,
    onApplied: () => {
      bus.changed(PLUGINS_CHANNEL);
      pins.again();
    },
  });
  await app.register(pluginEventsRoutes, { db, plugins, bus });
  await app.register(workflowsRoutes, { workflows, registry: () => services.registry() });
  await app.register(runsRoutes, {
    runs,
    workflows,
    bus,
    files: {
      missing: async (ids) => {
        const found = await Promise.all(
          ids.map(async (id) => ((await files.get(id)) === undefined ? id : undefined)),
        );
        return found.filter((id) => id !== undefined);
      },
    },
  });
  await app.register(filesRoutes, { files });
  await app.register(pluginServerFilesRoutes, { db, files, callTokens: services.callTokens });
  await app.register(credentialsRoutes, {
    credentials: services.credentials,
    checks: createCredentialChecks({ db, pluginServer }),
  });

  await app.register(marketplaceRoutes, {
    dir: config.marketplaceDir,
    indexUrl: config.marketplaceUrl,
    plugins: pluginRepo,
  });

  if (config.webDir !== undefined) {
    await app.register(webUiRoutes, { dir: config.webDir });
  }

  const worker = config.embeddedWorker ? services.createWorker() : undefined;
  // The Plugin Server pulls the desired state on its own interval; a nudge makes it pull now.
  const nudge = () => {
    plugins.nudge().catch((error: unknown) => {
      logger.warn(
        { err: error },
        'could not nudge the Plugin Server to reconcile; it pulls the desired state on its own interval',
      );
    });
  };

  return {
    app,
    services,
    worker,
    async listen() {
      await app.listen({ host: config.host, port: config.port });
      const address = app.server.address() as AddressInfo;
      pins.again();
      worker?.start();
      nudge();
      // Statuses that changed while this platform was away arrive now, not after a retry backoff.
      services.pluginServer.resyncStatuses().catch((error: unknown) => {
        logger.warn(
          { err: error },
          'could not ask the Plugin Server for its statuses; they arrive as they change',
        );
      });
      return `http://${config.host}:${String(address.port)}`;
    },
    async close() {
      await worker?.stop();
      await app.close();
      await services.close();
    },
  };
}

/**
 * Pins the nodes of workflows saved before versions were pinned, at start and then after each
 * plugin status until none is left: a plugin not running at start is pinned once it runs.
 */
function workflowPinning(
  services: PlatformServices,
  logger: FastifyBaseLogger,
): { again: () => void } {
  let done = false;
  let running: Promise<void> | undefined;
  return {
    again() {
      if (done || running !== undefined) {
        return;
      }
      running = (async () => {
        const outcome = await pinSavedWorkflows(services.workflows, await services.registry());
        if (outcome.pinned > 0) {
          logger.info(
            `pinned the plugin nodes of ${String(outcome.pinned)} saved workflows to the major version they ran on`,
          );
        }
        done = outcome.waiting === 0;
      })()
        .catch((error: unknown) => {
          logger.warn({ err: error }, 'could not pin the plugin nodes of saved workflows yet');
        })
        .finally(() => {
          running = undefined;
        });
    },
  };
}
