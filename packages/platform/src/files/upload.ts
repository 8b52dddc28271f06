/**
 * @module The part of an upload both file routes share: refuse a declared length over the limit
 * before reading a byte, stream the body into the store, and clean up after a refusal.
 */
import type { Readable } from 'node:stream';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { discardRest, isDiskFull, reportDiskFull } from '@plugboard/server-api';
import { PlatformError } from '../errors.ts';
import type { FileStore, NewFile, StoredFile } from './file-store.ts';

export async function receiveUpload(
  files: FileStore,
  exchange: { request: FastifyRequest; reply: FastifyReply },
  meta: NewFile,
): Promise<StoredFile> {
  const { request, reply } = exchange;
  const declared = Number(request.headers['content-length'] ?? 0);
  if (declared > files.maxBytes) {
    // Nothing was read; closing after the answer spares reading a body that will be refused.
    void reply.header('connection', 'close');
    throw new PlatformError(
      'PLAT_PAYLOAD_TOO_LARGE',
      `files are limited to ${String(files.maxBytes)} bytes (PLUGBOARD_MAX_UPLOAD_BYTES); this one declares ${String(declared)}`,
      { details: { maxBytes: files.maxBytes } },
    );
  }
  const body = request.body as Readable | undefined;
  try {
    return await files.save(body ?? request.raw, meta);
  } catch (error) {
    discardRest(request.raw, files.maxBytes);
    if (isDiskFull(error)) {
      const report = await reportDiskFull(
        files.dir,
        "the platform's file store",
        declared > 0 ? declared : undefined,
      );
      throw new PlatformError('PLAT_DISK_FULL', report.message, {
        details: report.details,
        cause: error,
      });
    }
    throw error;
  }
}
