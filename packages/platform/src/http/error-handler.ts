/**
 * @module Turns every failure into the one JSON error envelope, with the status its code maps to.
 */
import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify';
import { hasZodFastifySchemaValidationErrors } from 'fastify-type-provider-zod';
import { diskFullOf } from '@plugboard/server-api';
import { PlatformError } from '../errors.ts';

/** The error handler of every route; `dataDir` is where a full disk is measured. */
export function createErrorHandler(dataDir: string) {
  return async (
    error: FastifyError | Error,
    request: FastifyRequest,
    reply: FastifyReply,
  ): Promise<FastifyReply> => {
    const full =
      error instanceof PlatformError
        ? undefined
        : await diskFullOf(error, dataDir, "the platform's data folder");
    const failure =
      full === undefined
        ? toPlatformError(error, request)
        : new PlatformError('PLAT_DISK_FULL', full.message, { details: full.details });
    return send(failure, request, reply);
  };
}

function send(failure: PlatformError, request: FastifyRequest, reply: FastifyReply): FastifyReply {
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

function toPlatformError(error: FastifyError | Error, request: FastifyRequest): PlatformError {
  if (error instanceof PlatformError) {
    return error;
  }
  if (hasZodFastifySchemaValidationErrors(error)) {
    const issues = error.validation.map((v) => ({
      path: v.instancePath.split('/').filter(Boolean),
      message: v.message ?? 'invalid',
    }));
    return new PlatformError(
      'PLAT_BAD_REQUEST',
      `invalid request ${error.validationContext ?? ''}: ${issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`).join('; ')}`,
      { details: { issues } },
    );
  }
  const sqlState = (error as { code?: unknown }).code;
  if (sqlState === '22P05' || sqlState === '22021') {
    // PostgreSQL stores no NUL character in text; that is the request's fault, not ours.
    return new PlatformError(
      'PLAT_BAD_REQUEST',
      'a text value contains a NUL character (\\u0000), which cannot be stored; remove it',
    );
  }
  const status = (error as FastifyError).statusCode;
  if (status === 413) {
    return new PlatformError('PLAT_PAYLOAD_TOO_LARGE', 'the request body is over the limit');
  }
  if (typeof status === 'number' && status < 500) {
    return new PlatformError('PLAT_BAD_REQUEST', error.message);
  }
  request.log.error({ err: error }, 'unhandled error');
  return new PlatformError(
    'PLAT_INTERNAL',
    'this is a bug in the platform; its log has the details',
  );
}
