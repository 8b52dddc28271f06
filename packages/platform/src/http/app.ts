/**
 * @module The platform's HTTP API: Fastify with zod schemas (validation, types and the OpenAPI
 * document at /docs from one source). `/api/*` is for users (API token), `/plugin-server/*` for
 * Plugin Servers (their key; status webhooks are also signed); `/health` and `/docs` are open.
 */
import { z } from 'zod';
import type { FastifyBaseLogger } from 'fastify';
import { createBearerCheck, createServiceApp, type ServiceApp } from '@plugboard/service-kit';
import type { PlatformConfig } from '../config.ts';
import { PlatformError } from '../errors.ts';
import { platformFailures } from './error-handler.ts';

export type PlatformApp = ServiceApp;

export async function createHttpApp(
  config: PlatformConfig,
  logger: FastifyBaseLogger,
): Promise<PlatformApp> {
  const app = await createServiceApp({
    logger,
    fastify: { bodyLimit: 4 * 1024 * 1024, requestTimeout: 0 },
    failures: platformFailures,
    dataDir: { path: config.dataDir, what: "the platform's data folder" },
    docs: {
      title: 'Plugboard platform',
      description:
        'Plugin records, the node registry, workflows and runs, files and credentials (/api), and the endpoints Plugin Servers call (/plugin-server).',
      securitySchemes: {
        apiToken: { type: 'http', scheme: 'bearer' },
        pluginServerKey: { type: 'http', scheme: 'bearer' },
      },
    },
  });

  // A query parameter a route does not know (a filter it does not have) is refused, never ignored.
  app.addHook('onRoute', (route) => {
    if (route.url.startsWith('/api/') && route.schema?.querystring === undefined) {
      route.schema = { ...route.schema, querystring: z.strictObject({}) };
    }
  });

  const checkUser = refuseUnless(
    createBearerCheck(config.apiTokens),
    'send "Authorization: Bearer <token>" with a token from PLUGBOARD_API_TOKENS',
  );
  const checkPluginServer = refuseUnless(
    createBearerCheck(config.platformApiKeys),
    'Plugin Servers send "Authorization: Bearer <key>" with a key from the platform’s PLUGBOARD_PLATFORM_API_KEY',
  );
  // Decided on the matched route, never the raw URL (which may be percent-encoded), and closed
  // by default: only health, docs and the marketplace are open.
  app.addHook('onRequest', (request, _reply, done) => {
    const route = request.routeOptions.url ?? '';
    try {
      if (route.startsWith('/plugin-server/')) {
        checkPluginServer(request.headers.authorization);
      } else if (!isPublic(route) && request.routeOptions.config.public !== true) {
        checkUser(request.headers.authorization);
      }
      done();
    } catch (error) {
      done(error as Error);
    }
  });
  return app;
}

function refuseUnless(
  accepts: (header: string | undefined) => boolean,
  hint: string,
): (header: string | undefined) => void {
  return (header) => {
    if (!accepts(header)) {
      throw new PlatformError('PLAT_UNAUTHORIZED', `missing or wrong token; ${hint}`);
    }
  };
}

function isPublic(route: string): boolean {
  return (
    route === '/health' ||
    route === '/live' ||
    route === '/docs' ||
    route.startsWith('/docs/') ||
    route.startsWith('/marketplace/')
  );
}

declare module 'fastify' {
  interface FastifyContextConfig {
    /** Served without a token (the web UI's files). */
    public?: boolean;
  }
}
