/**
 * @module The platform's HTTP API: Fastify with zod schemas (validation, types and the OpenAPI
 * document at /docs from one source). `/api/*` is for users (API token), `/plugin-server/*` for
 * Plugin Servers (their key; status webhooks are also signed); `/health` and `/docs` are open.
 */
import fastifySwagger from '@fastify/swagger';
import fastifySwaggerUi from '@fastify/swagger-ui';
import { z } from 'zod';
import Fastify, { type FastifyBaseLogger, type FastifyInstance } from 'fastify';
import {
  jsonSchemaTransform,
  jsonSchemaTransformObject,
  serializerCompiler,
  validatorCompiler,
  type ZodTypeProvider,
} from 'fastify-type-provider-zod';
import type { PlatformConfig } from '../config.ts';
import { createBearerCheck } from './bearer-auth.ts';
import { writeClientError } from '@plugboard/protocol';
import { createErrorHandler } from './error-handler.ts';

export type PlatformApp = FastifyInstance;

export async function createHttpApp(
  config: PlatformConfig,
  logger: FastifyBaseLogger,
): Promise<PlatformApp> {
  const handleError = createErrorHandler(config.dataDir);
  const app = Fastify({
    loggerInstance: logger,
    bodyLimit: 4 * 1024 * 1024,
    requestTimeout: 0,
    keepAliveTimeout: 65_000,
    return503OnClosing: true,
    // Fastify's own refusals (a malformed URL, a path segment over the limit) and Node's parser
    // errors answer with the same envelope as every other error.
    frameworkErrors: (error, request, reply) => {
      void handleError(error, request, reply);
    },
    clientErrorHandler: (error, socket) => {
      writeClientError(error, socket, 'PLAT_BAD_REQUEST');
    },
  }).withTypeProvider<ZodTypeProvider>();
  app.setValidatorCompiler(validatorCompiler);
  app.setSerializerCompiler(serializerCompiler);
  app.setErrorHandler(handleError);
  app.setNotFoundHandler((request, reply) => {
    void reply.code(404).send({
      error: {
        code: 'PLAT_NOT_FOUND',
        kind: 'user',
        message: `no route ${request.method} ${request.url.split('?')[0] ?? ''}; see /docs`,
        retryable: false,
      },
    });
  });

  // A query parameter a route does not know (a filter it does not have) is refused, never ignored.
  app.addHook('onRoute', (route) => {
    if (route.url.startsWith('/api/') && route.schema?.querystring === undefined) {
      route.schema = { ...route.schema, querystring: z.strictObject({}) };
    }
  });

  await app.register(fastifySwagger, {
    openapi: {
      info: {
        title: 'Plugboard platform',
        version: '0.1.0',
        description:
          'Plugin records, the node registry, workflows and runs, files and credentials (/api), and the endpoints Plugin Servers call (/plugin-server).',
      },
      components: {
        securitySchemes: {
          apiToken: { type: 'http', scheme: 'bearer' },
          pluginServerKey: { type: 'http', scheme: 'bearer' },
        },
      },
      security: [{ apiToken: [] }],
    },
    transform: jsonSchemaTransform,
    // The schemas named with `.meta({ id })` become components, so every `$ref` resolves.
    transformObject: jsonSchemaTransformObject,
  });
  await app.register(fastifySwaggerUi, { routePrefix: '/docs' });

  const checkUser = createBearerCheck(
    config.apiTokens,
    'send "Authorization: Bearer <token>" with a token from PLUGBOARD_API_TOKENS',
  );
  const checkPluginServer = createBearerCheck(
    config.platformApiKeys,
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
