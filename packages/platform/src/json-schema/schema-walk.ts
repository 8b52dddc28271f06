/**
 * @module The vocabulary of the schema version check: what a finding says, which way values flow,
 * and the helpers every part of the comparison reads schemas with. The comparison itself is in
 * `schema-compatibility.ts`; bounds and object/array structure each have their own module.
 */
export type Severity = 'breaking' | 'possibly_breaking';

/** `accepts`: values flow into the schema (inputs, config). `gives`: out of it (outputs). */
export type SchemaRole = 'accepts' | 'gives';

type SchemaChange =
  /** A property the old version declared is gone. */
  | 'removed'
  /** accepts: a property must now be present; gives: a property may now be missing. */
  | 'required'
  /** The JSON types, or being a file, differ the wrong way. */
  | 'type'
  /** `enum`/`const` values differ the wrong way. */
  | 'values'
  /** Bounds, lengths, pattern, format, uniqueness, a closed object. */
  | 'constraint'
  /** The comparison cannot tell. */
  | 'undecidable';

export interface SchemaFinding {
  /** Property names from the schema's root; `[]` stands for array items, `{}` for other keys. */
  readonly path: readonly string[];
  readonly change: SchemaChange;
  readonly severity: Severity;
  /**
   * What changed, in the schema's own terms: `no longer accepts string; takes number`; for a
   * removed or required property, a predicate of it: `is now required`.
   */
  readonly message: string;
}

/** Deep enough for any port or config a form can show; deeper nesting is compared as a whole. */
export const MAX_SCHEMA_DEPTH = 8;

export type Schema = Record<string, unknown>;
/** `false` is the schema nothing fits (zod's `items: false` after a tuple). */
export type Node = Schema | false;

/** One comparison under way; `cover` recurses, so the structure module needs no import cycle. */
/**
 * Comparisons one schema pair may cost. Unions are compared branch against branch, so a plugin's
 * schema of nested wide unions would otherwise take the platform's event loop for minutes; past
 * the budget what is left is reported as undecidable instead.
 */
export const MAX_SCHEMA_COMPARISONS = 5_000;

export interface Walk {
  readonly role: SchemaRole;
  readonly findings: SchemaFinding[];
  /** Shared by the trial walks of one comparison: what is left of MAX_SCHEMA_COMPARISONS. */
  readonly budget: { left: number };
  readonly cover: (walk: Walk, pair: Pair<Node>) => void;
}

/** Values of `inner` must all fit `outer`, at `path`, `depth` levels down from the root. */
export interface Pair<T extends Node> {
  readonly outer: T;
  readonly inner: T;
  readonly path: string[];
  readonly depth: number;
}

/** Keywords that describe a value without constraining it: changing them never breaks anything. */
const ANNOTATIONS = new Set([
  '$schema',
  '$id',
  '$comment',
  'title',
  'description',
  'default',
  'examples',
  'deprecated',
  'readOnly',
  'writeOnly',
]);

export const isRecord = (v: unknown): v is Schema =>
  typeof v === 'object' && v !== null && !Array.isArray(v);
export const isFile = (s: Schema): boolean => s['x-plugboard-type'] === 'file';
export const show = (v: unknown): string => (v === undefined ? 'none' : JSON.stringify(v));

export function asNode(value: unknown): Node {
  if (value === false) {
    return false;
  }
  return isRecord(value) ? value : {};
}

export function withoutAnnotations(schema: Schema): Schema {
  return Object.fromEntries(Object.entries(schema).filter(([key]) => !ANNOTATIONS.has(key)));
}

export function note(
  walk: Walk,
  path: readonly string[],
  finding: Omit<SchemaFinding, 'path'>,
): void {
  walk.findings.push({ path, ...finding });
}

/** The old and new sides of an (outer, inner) pair, for messages. */
export function sides<T extends Node>(walk: Walk, outer: T, inner: T): { before: T; after: T } {
  return walk.role === 'accepts'
    ? { before: inner, after: outer }
    : { before: outer, after: inner };
}

/**
 * A union's alternatives: `anyOf`/`oneOf` items, or one per type of a `type` array (keywords of
 * one JSON type never constrain another, so splitting them is exact). Siblings of `anyOf` apply to
 * every branch.
 */
export function branchesOf(schema: Schema): Node[] {
  const { anyOf, oneOf, ...rest } = schema;
  const union = anyOf ?? oneOf;
  if (Array.isArray(union)) {
    return union.map((branch) => {
      const node = asNode(branch);
      return node === false ? false : { ...rest, ...withoutAnnotations(node) };
    });
  }
  const type = schema['type'];
  if (Array.isArray(type) && type.length > 1) {
    return (type as unknown[]).map((t) => ({ ...schema, type: t }));
  }
  return [schema];
}

function jsonTypeOf(value: unknown): string {
  if (value === null) {
    return 'null';
  }
  if (Array.isArray(value)) {
    return 'array';
  }
  if (typeof value === 'number') {
    return Number.isInteger(value) ? 'integer' : 'number';
  }
  return typeof value;
}

/** The JSON types a schema allows, or undefined for "any". */
export function typeSet(schema: Schema): Set<string> | undefined {
  const type = schema['type'];
  if (typeof type === 'string') {
    return new Set([type]);
  }
  if (Array.isArray(type)) {
    return new Set(type.filter((t): t is string => typeof t === 'string'));
  }
  const values = valuesOf(schema);
  return values === undefined ? undefined : new Set(values.map(jsonTypeOf));
}

export const fits = (type: string, types: ReadonlySet<string>): boolean =>
  types.has(type) || (type === 'integer' && types.has('number'));

export function valuesOf(schema: Schema): unknown[] | undefined {
  if ('const' in schema) {
    return [schema['const']];
  }
  return Array.isArray(schema['enum']) ? schema['enum'] : undefined;
}

export function describe(node: Node): string {
  if (node === false) {
    return 'nothing';
  }
  if (isFile(node)) {
    return 'a file';
  }
  const branches = branchesOf(node);
  if (branches.length > 1) {
    return branches.map(describe).join(' | ');
  }
  const values = valuesOf(node);
  if (values !== undefined) {
    return `one of ${values.map(show).join(', ')}`;
  }
  const types = typeSet(node);
  return types === undefined ? 'any value' : [...types].join(' | ');
}
