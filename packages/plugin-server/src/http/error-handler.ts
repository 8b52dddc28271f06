/**
 * @module Turns every failure into the one JSON error envelope, with the status its code maps to.
 */
import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify';
import { hasZodFastifySchemaValidationErrors } from 'fastify-type-provider-zod';
import { diskFullOf } from '@plugboard/server-api';
import { ServerError } from '../errors.ts';

/** The error handler of every route; `dataDir` is where a full disk is measured. */
export function createErrorHandler(dataDir: string) {
  return async (
    error: FastifyError | Error,
    request: FastifyRequest,
    reply: FastifyReply,
  ): Promise<FastifyReply> => {
    const full =
      error instanceof ServerError
        ? undefined
        : await diskFullOf(error, dataDir, "the Plugin Server's data folder");
    const failure =
      full === undefined
        ? toServerError(error, request)
        : new ServerError('PSRV_DISK_FULL', full.message, { details: full.details });
    return send(failure, request, reply);
  };
}

function toServerError(error: FastifyError | Error, request: FastifyRequest): ServerError {
  let failure: ServerError;
  if (error instanceof ServerError) {
    failure = error;
  } else if (hasZodFastifySchemaValidationErrors(error)) {
    const issues = error.validation.map((v) => ({
      path: v.instancePath.split('/').filter(Boolean),
      message: v.message ?? 'invalid',
    }));
    failure = new ServerError(
      'PSRV_BAD_REQUEST',
      `invalid request ${error.validationContext ?? ''}: ${issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`).join('; ')}`,
      {
        details: { issues },
      },
    );
  } else if ((error as FastifyError).statusCode === 503) {
    // Fastify answers this while the server closes: the request reached no plugin.
    failure = new ServerError(
      'PSRV_UNAVAILABLE',
      'the Plugin Server is shutting down; retry in a moment',
      { details: { forwarded: false } },
    );
  } else if ((error as FastifyError).statusCode === 413) {
    failure = new ServerError('PSRV_PAYLOAD_TOO_LARGE', 'the request body is over the limit');
  } else if (
    typeof (error as FastifyError).statusCode === 'number' &&
    ((error as FastifyError).statusCode ?? 500) < 500
  ) {
    failure = new ServerError('PSRV_BAD_REQUEST', error.message);
  } else {
    request.log.error({ err: error }, 'unhandled error');
    failure = new ServerError(
      'PSRV_INTERNAL',
      'this is a bug in the Plugin Server; the log has the details',
    );
  }
  return failure;
}

function send(failure: ServerError, request: FastifyRequest, reply: FastifyReply): FastifyReply {
  if (failure.kind === 'internal') {
    request.log.error({ code: failure.code }, failure.message);
  } else {
    request.log.info({ code: failure.code }, failure.message);
  }
  if (failure.status === 503) {
    void reply.header('retry-after', '1');
  }
  return reply.code(failure.status).type('application/json').send(failure.toEnvelope());
}
