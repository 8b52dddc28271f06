/**
 * @module Whether a new version of a JSON Schema still fits where the old one did, for the schemas
 * zod 4 generates (draft 2020-12, `io: 'input'`). A schema values flow into (node inputs and
 * config, plugin config, credentials) must still accept every value the old one accepted; one
 * values come out of (node outputs) must give only values the old one could give. Each way the new
 * version falls short is a finding: `breaking` when some value certainly no longer fits,
 * `possibly_breaking` when the comparison cannot tell (two different patterns or formats, a
 * keyword it does not model such as `allOf` or `$ref`, an ambiguous union, nesting deeper than
 * {@link MAX_SCHEMA_DEPTH}). Annotations (titles, descriptions, defaults, examples) never count.
 */
import { canonicalJson, type JsonSchema } from '@plugboard/protocol';
import { coverBounds, valueFitsBounds } from './schema-bounds.ts';
import { coverArrays, coverObjects } from './schema-structure.ts';
import {
  MAX_SCHEMA_COMPARISONS,
  MAX_SCHEMA_DEPTH,
  branchesOf,
  describe,
  fits,
  isFile,
  note,
  show,
  sides,
  typeSet,
  valuesOf,
  withoutAnnotations,
  type Node,
  type Pair,
  type Schema,
  type SchemaFinding,
  type SchemaRole,
  type Walk,
} from './schema-walk.ts';

/** Keywords this check compares; any other keyword that changed is reported as undecidable. */
const MODELLED = new Set([
  'type',
  'enum',
  'const',
  'anyOf',
  'oneOf',
  'x-plugboard-type',
  'minimum',
  'maximum',
  'exclusiveMinimum',
  'exclusiveMaximum',
  'multipleOf',
  'minLength',
  'maxLength',
  'minItems',
  'maxItems',
  'minProperties',
  'maxProperties',
  'pattern',
  'format',
  'uniqueItems',
  'items',
  'prefixItems',
  'properties',
  'required',
  'additionalProperties',
]);

/** Every finding where `after` falls short of `before` for a schema in the given role. */
export function compareSchemaVersions(
  before: JsonSchema,
  after: JsonSchema,
  role: SchemaRole,
): SchemaFinding[] {
  const walk: Walk = { role, findings: [], budget: { left: MAX_SCHEMA_COMPARISONS }, cover };
  // Values of `inner` must all fit `outer`: what the new version accepts must hold what the old
  // did, and what the old version gave must hold what the new gives.
  const [outer, inner] = role === 'accepts' ? [after, before] : [before, after];
  cover(walk, { outer, inner, path: [], depth: 0 });
  const seen = new Set<string>();
  return walk.findings.filter((f) => {
    const key = `${f.path.join('\u0000')}\u0001${f.message}`;
    return !seen.has(key) && Boolean(seen.add(key));
  });
}

function cover(walk: Walk, pair: Pair<Node>): void {
  const { path, depth } = pair;
  walk.budget.left -= 1;
  if (walk.budget.left < 0) {
    // Every comparison past the budget says so, so no trial of a union passes for want of one.
    const message = `too complex to compare (over ${String(MAX_SCHEMA_COMPARISONS)} comparisons)`;
    note(walk, path, { change: 'undecidable', severity: 'possibly_breaking', message });
    return;
  }
  if (pair.inner === false) {
    return;
  }
  if (pair.outer === false) {
    note(walk, path, {
      change: 'constraint',
      severity: 'breaking',
      message: 'no value fits any more',
    });
    return;
  }
  const outer = withoutAnnotations(pair.outer);
  const inner = withoutAnnotations(pair.inner);
  if (canonicalJson(outer) === canonicalJson(inner) || Object.keys(outer).length === 0) {
    return;
  }
  const site: Pair<Schema> = { outer, inner, path, depth };
  if (depth > MAX_SCHEMA_DEPTH) {
    const message = `changed deeper than ${String(MAX_SCHEMA_DEPTH)} levels`;
    note(walk, path, { change: 'undecidable', severity: 'possibly_breaking', message });
    return;
  }
  for (const key of new Set([...Object.keys(outer), ...Object.keys(inner)])) {
    if (!MODELLED.has(key) && canonicalJson(outer[key]) !== canonicalJson(inner[key])) {
      const message = `"${key}" changed, which this check does not compare`;
      note(walk, path, { change: 'undecidable', severity: 'possibly_breaking', message });
    }
  }
  const innerBranches = branchesOf(inner);
  if (innerBranches.length !== 1 || innerBranches[0] !== inner) {
    innerBranches.forEach((branch) => {
      cover(walk, { outer, inner: branch, path, depth: depth + 1 });
    });
    return;
  }
  if (branchesOf(outer).length > 1 || 'anyOf' in outer || 'oneOf' in outer) {
    coverByBranch(walk, site);
    return;
  }
  if (isFile(outer) || isFile(inner)) {
    if (isFile(outer) !== isFile(inner)) {
      note(walk, path, { change: 'type', severity: 'breaking', message: typeMessage(walk, site) });
    }
    // Both files: the file reference's shape is the protocol's, not the plugin's.
    return;
  }
  if (coverTypes(walk, site) && coverValues(walk, site)) {
    coverBounds(walk, site);
    coverObjects(walk, site);
    coverArrays(walk, site);
  }
}

function wasNow(walk: Walk, { outer, inner }: Pair<Schema>): string {
  const { before, after } = sides(walk, outer, inner);
  return `was ${describe(before)}, now ${describe(after)}`;
}

/** Values of the inner type no longer fit: said from the side of whoever uses the schema. */
function typeMessage(walk: Walk, { outer, inner }: Pair<Schema>): string {
  return walk.role === 'accepts'
    ? `no longer accepts ${describe(inner)}; takes ${describe(outer)}`
    : `may now give ${describe(inner)}; gave ${describe(outer)}`;
}

/** A single value shape against a union: fine when one branch holds it all. */
function coverByBranch(walk: Walk, site: Pair<Schema>): void {
  const { outer, inner, path, depth } = site;
  const innerTypes = typeSet(inner);
  const candidates = branchesOf(outer).filter((branch): branch is Schema => {
    const types = branch === false ? new Set<string>() : typeSet(branch);
    return (
      innerTypes === undefined || types === undefined || [...innerTypes].some((t) => fits(t, types))
    );
  });
  const trials = candidates.map((branch) => {
    const trial: Walk = { ...walk, findings: [] };
    cover(trial, { outer: branch, inner, path, depth: depth + 1 });
    return trial.findings;
  });
  const holding = trials.filter((findings) => findings.length === 0).length;
  if (holding > 1 && 'oneOf' in outer) {
    const message = 'a value may now match several "oneOf" alternatives, which "oneOf" refuses';
    note(walk, path, { change: 'undecidable', severity: 'possibly_breaking', message });
  } else if (holding >= 1) {
    return;
  } else if (trials.length === 0) {
    note(walk, path, { change: 'type', severity: 'breaking', message: typeMessage(walk, site) });
  } else if (trials.length === 1) {
    walk.findings.push(...(trials[0] ?? []));
  } else {
    const message = `${wasNow(walk, site)}; no single alternative holds them all`;
    note(walk, path, { change: 'undecidable', severity: 'possibly_breaking', message });
  }
}

/** Returns false when the types already differ, as nothing finer is worth saying then. */
function coverTypes(walk: Walk, site: Pair<Schema>): boolean {
  const outerTypes = typeSet(site.outer);
  const innerTypes = typeSet(site.inner);
  if (outerTypes === undefined) {
    return true;
  }
  if (innerTypes !== undefined && [...innerTypes].every((t) => fits(t, outerTypes))) {
    return true;
  }
  note(walk, site.path, { change: 'type', severity: 'breaking', message: typeMessage(walk, site) });
  return false;
}

/** Returns false when `inner` is a list of values, which were checked one by one here. */
function coverValues(walk: Walk, site: Pair<Schema>): boolean {
  const { outer, inner, path } = site;
  const outerValues = valuesOf(outer);
  const innerValues = valuesOf(inner);
  const { before, after } = sides(walk, outer, inner);
  if (innerValues === undefined) {
    if (outerValues !== undefined) {
      const message = `was any ${describe({ type: inner['type'] })}, now ${describe(after)}`;
      note(walk, path, { change: 'values', severity: 'breaking', message });
      return false;
    }
    return true;
  }
  const allowed = outerValues?.map((v) => canonicalJson(v));
  const misfits = innerValues.filter(
    (v) =>
      (allowed !== undefined && !allowed.includes(canonicalJson(v))) || !valueFitsBounds(outer, v),
  );
  for (const keyword of ['pattern', 'format'] as const) {
    if (outer[keyword] !== undefined && outer[keyword] !== inner[keyword]) {
      const message = `${keyword} was ${show(before[keyword])}, now ${show(after[keyword])}`;
      note(walk, path, { change: 'constraint', severity: 'possibly_breaking', message });
    }
  }
  if (misfits.length > 0) {
    const list = misfits.map(show).join(', ');
    const message =
      walk.role === 'accepts'
        ? `no longer accepts ${list} (${wasNow(walk, site)})`
        : `may now give ${list} (${wasNow(walk, site)})`;
    note(walk, path, { change: 'values', severity: 'breaking', message });
  }
  return false;
}
