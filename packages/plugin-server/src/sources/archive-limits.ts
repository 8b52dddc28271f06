/**
 * @module The limits a plugin archive must stay within while it unpacks, and the error for going
 * past one (its name is in the details, so callers can tell which).
 */
import { ServerError } from '../errors.ts';

export interface ArchiveLimits {
  readonly maxCompressedBytes: number;
  readonly maxEntries: number;
  /** Of the unpacked tar stream: contents, headers and padding. */
  readonly maxTotalBytes: number;
  readonly maxFileBytes: number;
  readonly maxDepth: number;
  /** Unpacked bytes per compressed byte, checked once past RATIO_FLOOR_BYTES. */
  readonly maxRatio: number;
}

const MIB = 1024 * 1024;

export const DEFAULT_ARCHIVE_LIMITS: ArchiveLimits = Object.freeze({
  maxCompressedBytes: 100 * MIB,
  maxEntries: 20_000,
  maxTotalBytes: 500 * MIB,
  maxFileBytes: 200 * MIB,
  maxDepth: 32,
  maxRatio: 100,
});

// Small archives are mostly zero padding and compress far beyond any sane ratio.
export const RATIO_FLOOR_BYTES = MIB;

export function tooLarge(message: string, limit: keyof ArchiveLimits): ServerError {
  return new ServerError('PSRV_SOURCE_TOO_LARGE', message, { details: { limit } });
}
