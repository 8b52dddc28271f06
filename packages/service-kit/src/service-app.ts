/**
 * @module The Fastify app both services start from: zod validates requests and serialises
 * answers (and generates the OpenAPI document served at /docs, every named schema a component);
 * every failure — a route's, Fastify's own refusals, Node's parser errors, an unknown route, a
 * full disk — answers the one error envelope with the status its code maps to.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import fastifySwagger from '@fastify/swagger';
import fastifySwaggerUi from '@fastify/swagger-ui';
import Fastify, {
  type FastifyBaseLogger,
  type FastifyError,
  type FastifyReply,
  type FastifyRequest,
  type FastifyServerFactory,
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
  /**
   * Sees every request before Fastify does, and answers the ones it takes (returning true) on
   * its own: a hot path that must not pay for routing, hooks and reply objects. It answers its
   * own errors with the same envelope (`writeFailure`); `closing` is true once the app closes.
   */
  readonly intercept?: (req: IncomingMessage, res: ServerResponse, closing: boolean) => boolean;
}

/** Past a typical load balancer's 60 s idle timeout, so the balancer closes first. */
const KEEP_ALIVE_MS = 65_000;

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
  let closing = false;
  const { intercept } = options;
  const serverFactory: FastifyServerFactory = (handler) => {
    const server = createServer(
      intercept === undefined
        ? handler
        : (req, res) => {
            if (!intercept(req, res, closing)) {
              handler(req, res);
            }
          },
    );
    // What Fastify sets on a server it makes itself.
    server.keepAliveTimeout = KEEP_ALIVE_MS;
    server.requestTimeout = options.fastify.requestTimeout ?? 0;
    server.setTimeout(options.fastify.connectionTimeout ?? 0);
    return server;
  };
  const app = Fastify({
    loggerInstance: options.logger,
    ...options.fastify,
    keepAliveTimeout: KEEP_ALIVE_MS,
    return503OnClosing: true,
    serverFactory,
    // Fastify's own refusals (a malformed URL, a path segment over the limit) and Node's parser
    // errors answer with the same envelope as every other error.
    frameworkErrors: (error, request, reply) => {
      void handleError(error, request, reply);
    },
    clientErrorHandler: (error, socket) => {
      writeClientError(error, socket, failures.badRequest);
    },
  }).withTypeProvider<ZodTypeProvider>();
  app.addHook('preClose', (done) => {
    closing = true;
    done();
  });
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
  void reply.headers(failureHeaders(failure));
  return reply.code(failure.status).send(failure.toEnvelope());
}

/** The headers of a failure's answer: JSON, and a retryable server error says when to retry. */
function failureHeaders(failure: CodedFailure<string>): Record<string, string> {
  return {
    'content-type': 'application/json; charset=utf-8',
    ...(failure.retryable && failure.status >= 500 ? { 'retry-after': '1' } : {}),
  };
}

/** Answers a failure on a raw response (an intercepted request), as Fastify's routes do. */
export function writeFailure(res: ServerResponse, failure: CodedFailure<string>): void {
  if (res.headersSent) {
    res.destroy();
    return;
  }
  const body = JSON.stringify(failure.toEnvelope());
  res.writeHead(failure.status, {
    ...failureHeaders(failure),
    'content-length': String(Buffer.byteLength(body)),
  });
  res.end(body);
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
