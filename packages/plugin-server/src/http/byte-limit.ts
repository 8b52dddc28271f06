/**
 * @module A pass-through stream that counts bytes and fails past a limit: a chunked body has no
 * length to check up front, so the limit is enforced as the bytes arrive.
 */
import { Transform } from 'node:stream';
import { ServerError } from '../errors.ts';

export class ByteLimit extends Transform {
  bytes = 0;

  constructor(maxBytes: number, what: string) {
    super({
      transform: (chunk: Buffer, _encoding, done) => {
        this.bytes += chunk.length;
        done(
          this.bytes > maxBytes
            ? new ServerError(
                'PSRV_PAYLOAD_TOO_LARGE',
                `${what} is over the ${String(maxBytes)}-byte limit`,
              )
            : null,
          chunk,
        );
      },
    });
  }
}
