/**
 * @module Text for people: aligned tables, truncation, durations, values (file references shown
 * by name, id and size), and `key=value` pairs from the command line.
 */
import { OperatorError } from './errors.ts';

export interface Column {
  readonly header: string;
  /** Longer cells are cut to this many characters, ending with "…". */
  readonly max?: number;
  readonly align?: 'left' | 'right';
}

/** Columns separated by two spaces, headers above, no trailing spaces; newlines become spaces. */
export function formatTable(
  columns: readonly Column[],
  rows: readonly (readonly string[])[],
): string {
  const cells = rows.map((row) =>
    columns.map((column, i) => truncate(oneLine(row[i] ?? ''), column.max)),
  );
  const widths = columns.map((column, i) =>
    Math.max(column.header.length, ...cells.map((row) => (row[i] ?? '').length)),
  );
  const render = (row: readonly string[]) =>
    row
      .map((cell, i) => {
        const width = widths[i] ?? 0;
        return columns[i]?.align === 'right' ? cell.padStart(width) : cell.padEnd(width);
      })
      .join('  ')
      .trimEnd();
  return [render(columns.map((c) => c.header)), ...cells.map(render)].join('\n');
}

function oneLine(text: string): string {
  return text.replace(/\s*[\r\n]+\s*/g, ' ');
}

export function truncate(text: string, max: number | undefined): string {
  if (max === undefined || text.length <= max) {
    return text;
  }
  return max <= 1 ? text.slice(0, max) : `${text.slice(0, max - 1)}…`;
}

export function formatDuration(ms: number | undefined): string {
  if (ms === undefined) {
    return '';
  }
  if (ms < 1000) {
    return `${String(Math.round(ms))} ms`;
  }
  return `${(ms / 1000).toFixed(ms < 10_000 ? 2 : 1)} s`;
}

interface FileRefLike {
  readonly id: string;
  readonly name: string;
  readonly contentType: string;
  readonly size?: number;
}

function isFileRef(value: unknown): value is FileRefLike {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    return false;
  }
  const v = value as Record<string, unknown>;
  return (
    typeof v['id'] === 'string' &&
    typeof v['name'] === 'string' &&
    typeof v['contentType'] === 'string'
  );
}

/** A value as one `name: value` line shows it: text as is, files by name, the rest as JSON. */
export function formatValue(value: unknown): string {
  if (typeof value === 'string') {
    return value;
  }
  if (isFileRef(value)) {
    const size = value.size === undefined ? '' : `, ${String(value.size)} bytes`;
    return `${value.name} (${value.id}${size})`;
  }
  // JSON.stringify answers undefined for undefined and functions, whatever its type says.
  return value === undefined ? 'undefined' : JSON.stringify(value);
}

/** `name: value` lines, in the object's order. */
export function formatPairs(values: Readonly<Record<string, unknown>>, indent = ''): string[] {
  return Object.entries(values).map(([name, value]) => `${indent}${name}: ${formatValue(value)}`);
}

/**
 * `key=value` from the command line. The value is JSON when it parses as JSON (42, true, {"a":1},
 * "quoted"), else the text itself, unless `keepText(key)` says the key takes text.
 */
export function parsePair(
  pair: string,
  what: string,
  keepText: (key: string) => boolean = () => false,
): [string, unknown] {
  const equals = pair.indexOf('=');
  const key = equals < 0 ? '' : pair.slice(0, equals).trim();
  if (key === '') {
    throw new OperatorError('CLI_USAGE', `${what} "${pair}" is not key=value`);
  }
  const text = pair.slice(equals + 1);
  if (keepText(key)) {
    return [key, text];
  }
  try {
    return [key, JSON.parse(text) as unknown];
  } catch {
    return [key, text];
  }
}

export function parsePairs(
  pairs: readonly string[],
  what: string,
  keepText?: (key: string) => boolean,
): Record<string, unknown> {
  return Object.fromEntries(pairs.map((pair) => parsePair(pair, what, keepText)));
}

/** Collects a repeatable option's values (commander's custom processing). */
export function collect(value: string, previous: string[] | undefined): string[] {
  return [...(previous ?? []), value];
}

export function json(value: unknown): string {
  return JSON.stringify(value, null, 2);
}

export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(done, ms);
    function done() {
      clearTimeout(timer);
      signal?.removeEventListener('abort', done);
      resolve();
    }
    signal?.addEventListener('abort', done, { once: true });
  });
}
