/**
 * @module Standalone uploads: a `.tar.gz` posted straight to the server, to install with
 * `{ "type": "upload", "fileId": … }` when no platform stores it.
 */
import { randomUUID } from 'node:crypto';
import { rename, rm } from 'node:fs/promises';
import { join } from 'node:path';
import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { FastifyPluginAsync } from 'fastify';
import type { ServerConfig } from '../config.ts';
import { discardRest, isDiskFull, openFileSink, reportDiskFull } from '@plugboard/server-api';
import { ServerError } from '../errors.ts';
import { ByteLimit } from './byte-limit.ts';
import { takeRawBodies } from './raw-body.ts';

export const uploadsRoutes: FastifyPluginAsync<{
  uploadsDir: string;
  config: ServerConfig;
}> = async (app, { uploadsDir, config }) => {
  takeRawBodies(app);
  app.post(
    '/uploads',
    { schema: { summary: 'Store a plugin archive (.tar.gz body); answers its fileId' } },
    async (request, reply) => {
      const limit = config.limits.maxUploadBytes;
      if (Number(request.headers['content-length'] ?? 0) > limit) {
        throw new ServerError(
          'PSRV_PAYLOAD_TOO_LARGE',
          `uploads are limited to ${String(limit)} bytes`,
        );
      }
      const fileId = randomUUID();
      const partial = join(uploadsDir, `${fileId}.partial`);
      const limiter = new ByteLimit(limit, 'the upload');
      // Piped rather than in the pipeline: a refusal part-way must not destroy the request, whose
      // unread rest is dropped so the sender gets the answer and keeps a usable connection.
      const source = request.body as Readable;
      source.once('error', (error) => limiter.destroy(error));
      source.pipe(limiter);
      try {
        await pipeline(limiter, openFileSink(partial, { mode: 0o600 }));
        await rename(partial, join(uploadsDir, `${fileId}.tar.gz`));
      } catch (error) {
        source.unpipe(limiter);
        discardRest(request.raw, limit);
        await rm(partial, { force: true });
        if (isDiskFull(error)) {
          const declared = Number(request.headers['content-length'] ?? 0);
          const report = await reportDiskFull(
            uploadsDir,
            "the Plugin Server's uploads folder",
            declared > 0 ? declared : undefined,
          );
          throw new ServerError('PSRV_DISK_FULL', report.message, {
            details: report.details,
            cause: error,
          });
        }
        throw error;
      }
      return reply.code(201).send({ fileId, bytes: limiter.bytes });
    },
  );
};
