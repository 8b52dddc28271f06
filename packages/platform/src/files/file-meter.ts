/**
 * @module A pass-through stream that counts and hashes the bytes of an upload as they go by and
 * fails past the size limit: a chunked body has no length to check up front, and the hash must
 * describe exactly what was written, without a second read of the file.
 */
import { createHash, type Hash } from 'node:crypto';
import { Transform, type TransformCallback } from 'node:stream';
import { STREAMED_BYTES_BUFFER } from '@plugboard/server-api';
import { PlatformError } from '../errors.ts';

export class FileMeter extends Transform {
  bytes = 0;
  readonly #maxBytes: number;
  readonly #hash: Hash = createHash('sha256');

  constructor(maxBytes: number) {
    super({ highWaterMark: STREAMED_BYTES_BUFFER });
    this.#maxBytes = maxBytes;
  }

  override _transform(chunk: Buffer, _encoding: BufferEncoding, done: TransformCallback): void {
    this.bytes += chunk.length;
    if (this.bytes > this.#maxBytes) {
      done(
        new PlatformError(
          'PLAT_PAYLOAD_TOO_LARGE',
          `files are limited to ${String(this.#maxBytes)} bytes (PLUGBOARD_MAX_UPLOAD_BYTES)`,
          { details: { maxBytes: this.#maxBytes } },
        ),
      );
      return;
    }
    this.#hash.update(chunk);
    done(null, chunk);
  }

  /** Hex SHA-256 of everything that went through; call once, after the stream has ended. */
  sha256(): string {
    return this.#hash.digest('hex');
  }
}
