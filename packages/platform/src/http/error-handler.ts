/**
 * @module How the platform names every failure it answers: its own coded errors as they are, a
 * request that fails its schema as a 400 listing every issue, text PostgreSQL cannot store as a
 * 400, Fastify's own 4xx refusals, a full disk as 507, the rest as a bug of ours.
 */
import type { FastifyError, FastifyRequest } from 'fastify';
import { validationFailure, type ServiceFailures } from '@plugboard/service-kit';
import { PlatformError } from '../errors.ts';

export const platformFailures: ServiceFailures = {
  badRequest: 'PLAT_BAD_REQUEST',
  isOwn: (error) => error instanceof PlatformError,
  toCoded: toPlatformError,
  diskFull: (report) =>
    new PlatformError('PLAT_DISK_FULL', report.message, { details: report.details }),
  notFound: (message) => new PlatformError('PLAT_NOT_FOUND', message),
};

function toPlatformError(error: FastifyError | Error, request: FastifyRequest): PlatformError {
  if (error instanceof PlatformError) {
    return error;
  }
  const invalid = validationFailure(error);
  if (invalid !== undefined) {
    return new PlatformError('PLAT_BAD_REQUEST', invalid.message, {
      details: { issues: invalid.issues },
    });
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
