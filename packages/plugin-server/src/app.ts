/**
 * @module The Plugin Server's HTTP API: Fastify with zod schemas (validation, types and the
 * OpenAPI document at /docs from one source), API keys on every route but health.
 */
import type { FastifyBaseLogger } from 'fastify';
import { z } from 'zod';
import { createBearerCheck, createServiceApp, type ServiceApp } from '@plugboard/service-kit';
import { sandboxReportSchema } from '@plugboard/server-api';
import type { ServerConfig } from './config.ts';
import type { Sandbox } from './sandbox/sandbox.ts';
import { ServerError } from './errors.ts';
import { bridgeRoutes } from './http/bridge.routes.ts';
import { serverFailures } from './http/error-handler.ts';
import { createForwardPath } from './http/forward-path.ts';
import { forwardRoutes } from './http/forward.routes.ts';
import { pluginsRoutes } from './http/plugins.routes.ts';
import { reconcileRoutes, type StatusLink } from './http/reconcile.routes.ts';
import type { DesiredStatePull } from './reconcile/desired-state-pull.ts';
import { uploadsRoutes } from './http/uploads.routes.ts';
import type { PluginManager } from './plugins/plugin-manager.ts';

export interface AppDeps {
  readonly config: ServerConfig;
  readonly manager: PluginManager;
  /** How the desired state is pulled from the platform; none without a platform. */
  readonly pull: DesiredStatePull | undefined;
  readonly logger: FastifyBaseLogger;
  readonly sandbox: Sandbox;
  readonly statuses?: StatusLink | undefined;
}

const PUBLIC_PATHS = new Set(['/health']);

export async function createApp({
  config,
  manager,
  pull,
  logger,
  sandbox,
  statuses,
}: AppDeps): Promise<ServiceApp> {
  const accepts = createBearerCheck(config.apiKeys);
  const app = await createServiceApp({
    logger,
    fastify: {
      bodyLimit: 1024 * 1024,
      // Slow-header and slow-body clients are cut off (CVE-2018-12122 class).
      requestTimeout: 300_000,
      connectionTimeout: 0,
    },
    failures: serverFailures,
    dataDir: { path: config.dataDir, what: "the Plugin Server's data folder" },
    docs: {
      title: 'Plugboard Plugin Server',
      description: 'Installs, runs, supervises and forwards to plugin processes.',
      securitySchemes: { apiKey: { type: 'http', scheme: 'bearer' } },
    },
    intercept: createForwardPath({ manager, config, log: logger, accepts }),
  });

  const checkKey = (header: string | undefined): void => {
    if (!accepts(header)) {
      throw new ServerError(
        'PSRV_UNAUTHORIZED',
        'missing or wrong API key; send "Authorization: Bearer <key>" with a key from PLUGBOARD_SERVER_API_KEYS',
      );
    }
  };
  app.addHook('onRequest', (request, _reply, done) => {
    const path = request.url.split('?')[0] ?? '';
    try {
      // The file bridge checks a plugin's launch token instead (see bridge.routes.ts).
      if (!PUBLIC_PATHS.has(path) && !path.startsWith('/docs') && !path.startsWith('/bridge/')) {
        checkKey(request.headers.authorization);
      }
      done();
    } catch (error) {
      done(error as Error);
    }
  });

  app.get('/health', {
    schema: {
      summary: 'Liveness; no key needed',
      security: [],
      response: {
        200: z.object({
          status: z.literal('ok'),
          ready: z
            .boolean()
            .describe(
              'Whether its plugin records are loaded; callers (a worker) wait for it before sending work.',
            ),
          plugins: z.number().int(),
          statusesUnsaved: z
            .string()
            .optional()
            .describe(
              'Set while status webhooks cannot be kept on disk (why): they are delivered from memory meanwhile, and one still waiting is lost if the server restarts.',
            ),
          sandbox: sandboxReportSchema
            .extend({ mode: z.enum(['strict', 'auto', 'off']) })
            .describe('What this host can confine plugins with, probed at start.'),
        }),
      },
    },
    handler: () => ({
      status: 'ok' as const,
      ready: manager.ready,
      plugins: manager.list().length,
      ...(statuses?.unsaved() === undefined ? {} : { statusesUnsaved: statuses.unsaved() }),
      sandbox: {
        mode: sandbox.mode,
        confined: [...sandbox.host.layers.confined],
        missing: [...sandbox.host.layers.missing],
      },
    }),
  });
  await app.register(pluginsRoutes, { manager, config });
  await app.register(reconcileRoutes, { pull, statuses });
  await app.register(forwardRoutes, { manager, config });
  await app.register(uploadsRoutes, { uploadsDir: manager.uploadsDir, config });
  await app.register(bridgeRoutes, { manager, config });
  return app;
}
