/**
 * @module A full disk, as both services report it (507, retryable once space is freed): which
 * of its folders is on the full disk (by role, not by path), how much is free there, and how much
 * the failed write needed when that is known.
 */
import { statfs } from 'node:fs/promises';

/** Whether the error, or one it was caused by, is the file system saying it has no room. */
export function isDiskFull(error: unknown): boolean {
  let current: unknown = error;
  for (let depth = 0; depth < 5 && current !== undefined && current !== null; depth += 1) {
    const code = (current as { code?: unknown }).code;
    if (code === 'ENOSPC' || code === 'EDQUOT') {
      return true;
    }
    current = (current as { cause?: unknown }).cause;
  }
  return false;
}

export interface DiskFullReport {
  readonly message: string;
  readonly details: { freeBytes?: number; neededBytes?: number };
}

/**
 * @param dir Where the write went, to measure the free space.
 * @param what That folder as the operator knows it ("the platform's data folder").
 */
export async function reportDiskFull(
  dir: string,
  what: string,
  neededBytes?: number,
): Promise<DiskFullReport> {
  const free = await statfs(dir)
    .then((s) => s.bavail * s.bsize)
    .catch(() => undefined);
  const needs = neededBytes === undefined ? '' : `; this needs ${size(neededBytes)}`;
  const has = free === undefined ? '' : ` (${size(free)} free)`;
  return {
    message: `the disk holding ${what} is full${has}${needs}; free space there and retry`,
    details: {
      ...(free === undefined ? {} : { freeBytes: free }),
      ...(neededBytes === undefined ? {} : { neededBytes }),
    },
  };
}

function size(bytes: number): string {
  return bytes < 1024 * 1024
    ? `${String(Math.ceil(bytes / 1024))} KiB`
    : `${(bytes / (1024 * 1024)).toFixed(1)} MiB`;
}

/** The report for `error` when it is a full disk (measured at `dir`), else undefined. */
export async function diskFullOf(
  error: unknown,
  dir: string,
  what: string,
): Promise<DiskFullReport | undefined> {
  return isDiskFull(error) ? reportDiskFull(dir, what) : undefined;
}
