/**
 * @module Bounds in the schema version check: numeric ranges, lengths and counts, multipleOf,
 * pattern, format and uniqueness. A bound may loosen, never tighten, where values flow in.
 */
import { note, show, sides, type Pair, type Schema, type Walk } from './schema-walk.ts';

/** `[keyword, lower bound?]`: a lower bound may not rise, an upper one may not fall. */
const COUNT_BOUNDS = [
  ['minLength', true],
  ['maxLength', false],
  ['minItems', true],
  ['maxItems', false],
  ['minProperties', true],
  ['maxProperties', false],
] as const;

/**
 * Whether one listed value passes the outer schema's bounds. Patterns are not run: they come
 * from the plugin, and a hostile one could hang the platform; a pattern or format over listed
 * values is reported as undecidable instead.
 */
export function valueFitsBounds(schema: Schema, value: unknown): boolean {
  const within = (bound: Bound | undefined, lower: boolean, n: number): boolean =>
    bound === undefined ||
    (lower ? n > bound.value : n < bound.value) ||
    (n === bound.value && !bound.exclusive);
  if (typeof value === 'number') {
    const multiple = schema['multipleOf'];
    return (
      within(numericBound(schema, true), true, value) &&
      within(numericBound(schema, false), false, value) &&
      (typeof multiple !== 'number' || Number.isInteger(value / multiple))
    );
  }
  if (typeof value === 'string') {
    // JSON Schema counts code points, not UTF-16 units.
    const length = Array.from(value).length;
    return (
      within(countBound(schema, 'minLength'), true, length) &&
      within(countBound(schema, 'maxLength'), false, length)
    );
  }
  return true;
}

interface Bound {
  readonly value: number;
  readonly exclusive: boolean;
}

function numericBound(schema: Schema, lower: boolean): Bound | undefined {
  const inclusive = schema[lower ? 'minimum' : 'maximum'];
  const exclusive = schema[lower ? 'exclusiveMinimum' : 'exclusiveMaximum'];
  const candidates: Bound[] = [];
  if (typeof inclusive === 'number') {
    candidates.push({ value: inclusive, exclusive: false });
  }
  if (typeof exclusive === 'number') {
    candidates.push({ value: exclusive, exclusive: true });
  }
  // The tighter one wins when both are present.
  return candidates.sort(
    (a, b) =>
      (lower ? b.value - a.value : a.value - b.value) || Number(b.exclusive) - Number(a.exclusive),
  )[0];
}

function countBound(schema: Schema, keyword: string): Bound | undefined {
  const n = schema[keyword];
  return typeof n === 'number' ? { value: n, exclusive: false } : undefined;
}

/** Whether the outer bound lets through everything the inner one does. */
function boundHolds(outer: Bound | undefined, inner: Bound | undefined, lower: boolean): boolean {
  if (outer === undefined) {
    return true;
  }
  if (inner === undefined) {
    return false;
  }
  const looser = lower ? outer.value < inner.value : outer.value > inner.value;
  return looser || (outer.value === inner.value && (!outer.exclusive || inner.exclusive));
}

function showBound(bound: Bound | undefined, lower: boolean): string {
  if (bound === undefined) {
    return 'none';
  }
  return `${lower ? '>' : '<'}${bound.exclusive ? '' : '='} ${String(bound.value)}`;
}

export function coverBounds(walk: Walk, { outer, inner, path }: Pair<Schema>): void {
  const { before, after } = sides(walk, outer, inner);
  const breaking = (message: string) => {
    note(walk, path, { change: 'constraint', severity: 'breaking', message });
  };
  const changed = (keyword: string) =>
    `${keyword} was ${show(before[keyword])}, now ${show(after[keyword])}`;
  for (const lower of [true, false]) {
    const outerBound = numericBound(outer, lower);
    const innerBound = numericBound(inner, lower);
    if (!boundHolds(outerBound, innerBound, lower)) {
      const [was, now] =
        walk.role === 'accepts' ? [innerBound, outerBound] : [outerBound, innerBound];
      breaking(
        `${lower ? 'lower' : 'upper'} bound was ${showBound(was, lower)}, now ${showBound(now, lower)}`,
      );
    }
  }
  for (const [keyword, lower] of COUNT_BOUNDS) {
    if (!boundHolds(countBound(outer, keyword), countBound(inner, keyword), lower)) {
      breaking(changed(keyword));
    }
  }
  const multiple = outer['multipleOf'];
  const innerMultiple = inner['multipleOf'];
  if (
    typeof multiple === 'number' &&
    !(typeof innerMultiple === 'number' && Number.isInteger(innerMultiple / multiple))
  ) {
    breaking(changed('multipleOf'));
  }
  for (const keyword of ['pattern', 'format'] as const) {
    if (outer[keyword] !== undefined && outer[keyword] !== inner[keyword]) {
      // An added pattern certainly refuses something; two different ones cannot be compared, and
      // the platform does not check formats (the plugin's own zod schema may).
      const certain = keyword === 'pattern' && inner[keyword] === undefined;
      const severity = certain ? 'breaking' : 'possibly_breaking';
      note(walk, path, { change: 'constraint', severity, message: changed(keyword) });
    }
  }
  if (outer['uniqueItems'] === true && inner['uniqueItems'] !== true) {
    breaking(walk.role === 'accepts' ? 'items must now be unique' : 'items may now repeat');
  }
}
