/**
 * @module Unpacks a plugin package (`.tar.gz`, treated as hostile) into an empty folder the caller
 * owns: only files and folders, every name checked and every limit enforced while streaming.
 *
 * node-tar's Unpack is not used: it creates links, devices and folders itself and only reports
 * what it skips. Here its Parser only reads headers and bodies (archive-extraction.ts); every
 * entry passes the rules in archive-entry-rules.ts before archive-writer.ts creates anything, with
 * O_EXCL and O_NOFOLLOW. This module feeds the gzip layer through, counting what it compresses to.
 */
import { lstat, readdir, realpath } from 'node:fs/promises';
import { pipeline } from 'node:stream/promises';
import { createGunzip } from 'node:zlib';
import { ServerError } from '../errors.ts';
import { Extraction, type ExtractResult } from './archive-extraction.ts';
import { DEFAULT_ARCHIVE_LIMITS, tooLarge, type ArchiveLimits } from './archive-limits.ts';

export { DEFAULT_ARCHIVE_LIMITS, type ArchiveLimits } from './archive-limits.ts';
export type { ExtractResult } from './archive-extraction.ts';

export interface ExtractOptions {
  /** Defaults to DEFAULT_ARCHIVE_LIMITS. */
  readonly limits?: ArchiveLimits;
  readonly signal?: AbortSignal | undefined;
}

export async function extractArchive(
  input: AsyncIterable<Uint8Array> | NodeJS.ReadableStream,
  destination: string,
  options: ExtractOptions = {},
): Promise<ExtractResult> {
  const { limits = DEFAULT_ARCHIVE_LIMITS, signal } = options;
  signal?.throwIfAborted();
  const root = await emptyFolder(destination);
  const extraction = new Extraction(root, limits);
  const gunzip = createGunzip({ chunkSize: 64 * 1024 });
  let gunzipError: unknown;
  gunzip.once('error', (error) => (gunzipError = error));
  let compressed = 0;
  async function* countCompressed(source: AsyncIterable<unknown>): AsyncGenerator<Buffer> {
    for await (const chunk of source) {
      if (!(chunk instanceof Uint8Array)) {
        throw new ServerError('PSRV_INTERNAL', 'archive input must be bytes, not text');
      }
      if (compressed === 0 && chunk.length > 0 && chunk[0] !== 0x1f) {
        throw new ServerError('PSRV_ARCHIVE_INVALID', 'archive is not gzip-compressed (.tar.gz)');
      }
      compressed += chunk.length;
      if (compressed > limits.maxCompressedBytes) {
        throw tooLarge(
          `archive is larger than ${String(limits.maxCompressedBytes)} bytes`,
          'maxCompressedBytes',
        );
      }
      yield Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength);
    }
  }
  async function unpack(source: AsyncIterable<Buffer>): Promise<void> {
    for await (const chunk of source) {
      extraction.write(chunk, compressed);
      await extraction.drained();
    }
  }
  try {
    await pipeline(input, countCompressed, gunzip, unpack, signal ? { signal } : {});
    extraction.end();
  } catch (error) {
    extraction.fail(
      signal?.aborted === true ? signal.reason : readError(error, error === gunzipError),
    );
  }
  return await extraction.finish();
}

function readError(error: unknown, fromGunzip: boolean): unknown {
  if (error instanceof ServerError) {
    return error;
  }
  if (fromGunzip) {
    const truncated = (error as { code?: unknown }).code === 'Z_BUF_ERROR';
    return new ServerError(
      'PSRV_ARCHIVE_INVALID',
      truncated
        ? 'archive is truncated (the gzip data ends early)'
        : 'archive is not valid gzip data',
      { cause: error },
    );
  }
  return new ServerError('PSRV_SOURCE_FAILED', 'reading the archive failed', { cause: error });
}

async function emptyFolder(destination: string): Promise<string> {
  const stats = await lstat(destination);
  const root = await realpath(destination);
  if (!stats.isDirectory() || (await readdir(root)).length > 0) {
    throw new ServerError('PSRV_INTERNAL', 'archive destination must be an empty folder', {
      details: { destination },
    });
  }
  return root;
}
