/**
 * @module Paths into JSON values (`items[0].name`, `a.b.c`, `["odd key"]`), shared by
 * `core/json_pick` and the placeholders of `core/template`.
 */
import { NodeFailure } from '../node-definition.ts';

export type PathSegment = string | number;

const SEGMENT = /^(?:\.?([^.[\]\s]+)|\[\s*(\d+)\s*\]|\[\s*(["'])(.*?)\3\s*\])/;

/** Splits a path into keys and indexes; an empty path is the whole value. */
export function parsePath(path: string): PathSegment[] {
  const segments: PathSegment[] = [];
  let rest = path.trim();
  while (rest.length > 0) {
    const match = SEGMENT.exec(rest);
    if (match === null || (segments.length === 0 && rest.startsWith('.'))) {
      throw new NodeFailure({
        code: 'CORE_PATH_INVALID',
        message: `cannot read the path "${path}" at "${rest}": use keys joined by dots and [index] or ["key"], like items[0].name`,
        kind: 'user',
      });
    }
    const [whole, key, index, , quoted] = match;
    segments.push(index === undefined ? (key ?? quoted ?? '') : Number(index));
    rest = rest.slice(whole.length);
  }
  return segments;
}

/** Own properties only, so a path cannot reach into prototypes (`constructor`, `__proto__`). */
export function readPath(value: unknown, segments: readonly PathSegment[]): unknown {
  let current = value;
  for (const segment of segments) {
    if (Array.isArray(current)) {
      const index = typeof segment === 'number' ? segment : Number(segment);
      current = Number.isInteger(index) ? (current as unknown[])[index] : undefined;
    } else if (typeof current === 'object' && current !== null) {
      const key = String(segment);
      current = Object.hasOwn(current, key) ? (current as Record<string, unknown>)[key] : undefined;
    } else {
      return undefined;
    }
  }
  return current;
}
