/**
 * @module Durations and values as the run pages show them.
 */
import type { FileRef } from '../api/types.ts';

export function formatMs(ms: number | undefined): string {
  if (ms === undefined) {
    return '—';
  }
  return ms < 1000 ? `${String(Math.round(ms))} ms` : `${(ms / 1000).toFixed(2)} s`;
}

export function formatDuration(start: string | undefined, end: string | undefined): string {
  if (start === undefined || end === undefined) {
    return '—';
  }
  return formatMs(Date.parse(end) - Date.parse(start));
}

/** A stored file reference, as nodes output them. */
export function isFileRef(value: unknown): value is FileRef {
  if (typeof value !== 'object' || value === null) {
    return false;
  }
  const v = value as Record<string, unknown>;
  return (
    typeof v['id'] === 'string' &&
    v['id'].startsWith('file_') &&
    typeof v['name'] === 'string' &&
    typeof v['contentType'] === 'string'
  );
}
