/**
 * @module Downloads a URL to a private temp file with a byte cap and a deadline, hashing as it goes,
 * so an archive is never held in memory and its integrity is known before it is opened.
 */
import { createHash } from 'node:crypto';
import { Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { openFileSink, STREAMED_BYTES_BUFFER } from '@plugboard/server-api';
import { request } from 'undici';
import { ServerError } from '../errors.ts';

export interface DownloadOptions {
  readonly maxBytes: number;
  readonly timeoutMs: number;
  readonly headers?: Record<string, string>;
  readonly signal?: AbortSignal | undefined;
  /** Shown in errors instead of the URL when the URL must not be shown. */
  readonly label?: string;
}

export interface Downloaded {
  readonly bytes: number;
  /** `sha256-<base64>`, the Subresource Integrity form. */
  readonly integrity: string;
}

export async function downloadToFile(
  url: string,
  file: string,
  options: DownloadOptions,
): Promise<Downloaded> {
  const label = options.label ?? url;
  const signals = [
    AbortSignal.timeout(options.timeoutMs),
    ...(options.signal === undefined ? [] : [options.signal]),
  ];
  let response: Awaited<ReturnType<typeof request>>;
  try {
    response = await request(url, {
      headers: options.headers ?? {},
      signal: AbortSignal.any(signals),
    });
  } catch (error) {
    throw fetchError(error, label, options.timeoutMs);
  }
  if (response.statusCode !== 200) {
    await response.body.dump().catch(() => undefined);
    throw new ServerError(
      'PSRV_SOURCE_FAILED',
      `downloading ${label} failed: the server answered ${String(response.statusCode)}`,
      {
        details: { status: response.statusCode },
      },
    );
  }
  const declared = Number(response.headers['content-length'] ?? 0);
  if (declared > options.maxBytes) {
    await response.body.dump().catch(() => undefined);
    throw tooLarge(label, options.maxBytes);
  }
  const hash = createHash('sha256');
  let bytes = 0;
  const meter = new Transform({
    highWaterMark: STREAMED_BYTES_BUFFER,
    transform(chunk: Buffer, _encoding, done) {
      bytes += chunk.length;
      if (bytes > options.maxBytes) {
        done(tooLarge(label, options.maxBytes));
        return;
      }
      hash.update(chunk);
      done(null, chunk);
    },
  });
  try {
    await pipeline(response.body, meter, openFileSink(file, { mode: 0o600 }));
  } catch (error) {
    throw error instanceof ServerError ? error : fetchError(error, label, options.timeoutMs);
  }
  return { bytes, integrity: `sha256-${hash.digest('base64')}` };
}

function tooLarge(label: string, maxBytes: number): ServerError {
  return new ServerError(
    'PSRV_SOURCE_TOO_LARGE',
    `${label} is larger than the ${String(maxBytes)}-byte limit`,
    {
      details: { maxBytes },
    },
  );
}

function fetchError(error: unknown, label: string, timeoutMs: number): ServerError {
  const name = (error as { name?: string }).name;
  if (name === 'TimeoutError' || (error as { code?: string }).code === 'UND_ERR_ABORTED') {
    return new ServerError(
      'PSRV_SOURCE_TIMEOUT',
      `downloading ${label} took longer than ${String(timeoutMs)} ms`,
    );
  }
  return new ServerError(
    'PSRV_SOURCE_FAILED',
    `downloading ${label} failed: ${(error as Error).message}`,
  );
}
