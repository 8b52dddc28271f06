/**
 * @module How the Plugin Server names every failure it answers: its own coded errors as they are,
 * a request that fails its schema as a 400 listing every issue, a closing server's 503 as
 * retryable and never forwarded, Fastify's own refusals, a full disk as 507, the rest as a bug.
 */
import type { FastifyError, FastifyRequest } from 'fastify';
import { validationFailure, type ServiceFailures } from '@plugboard/service-kit';
import { ServerError } from '../errors.ts';

export const serverFailures: ServiceFailures = {
  badRequest: 'PSRV_BAD_REQUEST',
  isOwn: (error) => error instanceof ServerError,
  toCoded: toServerError,
  diskFull: (report) =>
    new ServerError('PSRV_DISK_FULL', report.message, { details: report.details }),
  notFound: (message) => new ServerError('PSRV_NOT_FOUND', message),
};

function toServerError(error: FastifyError | Error, request: FastifyRequest): ServerError {
  if (error instanceof ServerError) {
    return error;
  }
  const invalid = validationFailure(error);
  if (invalid !== undefined) {
    return new ServerError('PSRV_BAD_REQUEST', invalid.message, {
      details: { issues: invalid.issues },
    });
  }
  const status = (error as FastifyError).statusCode;
  if (status === 503) {
    // Fastify answers this while the server closes: the request reached no plugin.
    return new ServerError(
      'PSRV_UNAVAILABLE',
      'the Plugin Server is shutting down; retry in a moment',
      { details: { forwarded: false } },
    );
  }
  if (status === 413) {
    return new ServerError('PSRV_PAYLOAD_TOO_LARGE', 'the request body is over the limit');
  }
  if (typeof status === 'number' && status < 500) {
    return new ServerError('PSRV_BAD_REQUEST', error.message);
  }
  request.log.error({ err: error }, 'unhandled error');
  return new ServerError(
    'PSRV_INTERNAL',
    'this is a bug in the Plugin Server; the log has the details',
  );
}
