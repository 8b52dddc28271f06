/**
 * @module The Fastify app both services start from: zod validates requests and serialises
 * answers (and generates the OpenAPI document served at /docs, every named schema a component);
 * every failure — a route's, Fastify's own refusals, Node's parser errors, an unknown route, a
 * full disk — answers the one error envelope with the status its code maps to.
 */
import fastifySwagger from '@fastify/swagger';
import fastifySwaggerUi from '@fastify/swagger-ui';
import Fastify, {
  type FastifyBaseLogger,
  type FastifyError,
  type FastifyReply,
  type FastifyRequest,
  type FastifyServerOptions,
} from 'fastify';
import {
  jsonSchemaTransform,
  jsonSchemaTransformObject,
  serializerCompiler,
  validatorCompiler,
  type ZodTypeProvider,
} from 'fastify-type-provider-zod';
import { writeClientError, type CodedFailure } from '@plugboard/protocol';
import { diskFullOf } from '@plugboard/server-api';

/** How one service names its failures. */
export interface ServiceFailures {
  /** Its code for a malformed request (`PLAT_BAD_REQUEST`, `PSRV_BAD_REQUEST`). */
  readonly badRequest: string;
  /** Any failure as one of its coded errors (its own pass through). */
  readonly toCoded: (error: FastifyError | Error, request: FastifyRequest) => CodedFailure<string>;
  readonly diskFull: (report: {
    message: string;
    details: Record<string, unknown>;
  }) => CodedFailure<string>;
  readonly notFound: (message: string) => CodedFailure<string>;
  /** Whether the error is already one of its coded errors (never re-read as a full disk). */
  readonly isOwn: (error: unknown) => boolean;
}

export interface ServiceAppOptions {
  readonly logger: FastifyBaseLogger;
  readonly fastify: Pick<
    FastifyServerOptions,
    'bodyLimit' | 'requestTimeout' | 'connectionTimeout'
  >;
  readonly failures: ServiceFailures;
  /** Where a full disk is measured, and how the operator knows that folder. */
  readonly dataDir: { readonly path: string; readonly what: string };
  readonly docs: {
    readonly title: string;
    readonly description: string;
    readonly securitySchemes: Record<string, { type: 'http'; scheme: 'bearer' }>;
  };
}

export async function createServiceApp(options: ServiceAppOptions) {
  const { failures } = options;
  const handleError = async (
    error: FastifyError | Error,
    request: FastifyRequest,
    reply: FastifyReply,
  ): Promise<FastifyReply> => {
    const full = failures.isOwn(error)
      ? undefined
      : await diskFullOf(error, options.dataDir.path, options.dataDir.what);
    return sendFailure(
      full === undefined ? failures.toCoded(error, request) : failures.diskFull(full),
      request,
      reply,
    );
  };
  const app = Fastify({
    loggerInstance: options.logger,
    ...options.fastify,
    keepAliveTimeout: 65_000,
    return503OnClosing: true,
    // Fastify's own refusals (a malformed URL, a path segment over the limit) and Node's parser
    // errors answer with the same envelope as every other error.
    frameworkErrors: (error, request, reply) => {
      void handleError(error, request, reply);
    },
    clientErrorHandler: (error, socket) => {
      writeClientError(error, socket, failures.badRequest);
    },
  }).withTypeProvider<ZodTypeProvider>();
  app.setValidatorCompiler(validatorCompiler);
  app.setSerializerCompiler(serializerCompiler);
  app.setErrorHandler(handleError);
  app.setNotFoundHandler((request, reply) => {
    void sendFailure(
      failures.notFound(`no route ${request.method} ${request.url.split('?')[0] ?? ''}; see /docs`),
      request,
      reply,
    );
  });
  const security = Object.keys(options.docs.securitySchemes)
    .slice(0, 1)
    .map((name) => ({ [name]: [] }));
  await app.register(fastifySwagger, {
    openapi: {
      info: { title: options.docs.title, version: '0.1.0', description: options.docs.description },
      components: { securitySchemes: options.docs.securitySchemes },
      security,
    },
    transform: jsonSchemaTransform,
    // The schemas named with `.meta({ id })` become components, so every `$ref` resolves.
    transformObject: jsonSchemaTransformObject,
  });
  await app.register(fastifySwaggerUi, { routePrefix: '/docs' });
  return app;
}

export type ServiceApp = Awaited<ReturnType<typeof createServiceApp>>;

function sendFailure(
  failure: CodedFailure<string>,
  request: FastifyRequest,
  reply: FastifyReply,
): FastifyReply {
  if (failure.kind === 'internal') {
    request.log.error({ code: failure.code }, failure.message);
  } else {
    request.log.info({ code: failure.code }, failure.message);
  }
  if (failure.retryable && failure.status >= 500) {
    void reply.header('retry-after', '1');
  }
  return reply.code(failure.status).type('application/json').send(failure.toEnvelope());
}

/** A schema validation failure's issues, each where and what, for a 400 the caller can act on. */
export function validationFailure(
  error: FastifyError | Error,
): { message: string; issues: { path: string[]; message: string }[] } | undefined {
  const validation = (error as FastifyError).validation;
  if (validation === undefined) {
    return undefined;
  }
  const issues = validation.map((v) => ({
    path: v.instancePath.split('/').filter(Boolean),
    message: v.message ?? 'invalid',
  }));
  const context = (error as FastifyError).validationContext ?? '';
  return {
    message: `invalid request ${context}: ${issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`).join('; ')}`,
    issues,
  };
}
