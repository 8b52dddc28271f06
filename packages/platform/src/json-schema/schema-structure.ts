/**
 * @module Objects and arrays in the schema version check: properties removed or newly required,
 * closed objects, additional properties, tuple positions and items, each compared through
 * `walk.cover` so that nesting stays bounded by the caller's depth limit.
 */
import {
  asNode,
  isRecord,
  note,
  sides,
  type Node,
  type Pair,
  type Schema,
  type Walk,
} from './schema-walk.ts';

function propertiesOf(schema: Schema): Schema {
  const properties = schema['properties'];
  return isRecord(properties) ? properties : {};
}

function requiredOf(schema: Schema): Set<string> {
  const required = schema['required'];
  return new Set(Array.isArray(required) ? required.filter((n) => typeof n === 'string') : []);
}

/** `additionalProperties`: absent or `true` lets anything through, as zod's plain objects do. */
function extraOf(schema: Schema): Node {
  return schema['additionalProperties'] === undefined ? {} : asNode(schema['additionalProperties']);
}

export function coverObjects(walk: Walk, { outer, inner, path, depth }: Pair<Schema>): void {
  const { before, after } = sides(walk, outer, inner);
  const [outerProps, innerProps] = [propertiesOf(outer), propertiesOf(inner)];
  const [beforeProps, afterProps] = [propertiesOf(before), propertiesOf(after)];
  const [beforeRequired, afterRequired] = [requiredOf(before), requiredOf(after)];
  for (const name of Object.keys(beforeProps)) {
    const at = [...path, name];
    if (Object.hasOwn(afterProps, name)) {
      walk.cover(walk, {
        outer: asNode(outerProps[name]),
        inner: asNode(innerProps[name]),
        path: at,
        depth: depth + 1,
      });
    } else if (walk.role === 'accepts') {
      removedAccepted(walk, after, {
        outer: {},
        inner: asNode(beforeProps[name]),
        path: at,
        depth,
      });
    } else {
      // Top-level names are ports, and an edge from a missing one is refused.
      const certain = path.length === 0 || beforeRequired.has(name);
      note(walk, at, {
        change: 'removed',
        severity: certain ? 'breaking' : 'possibly_breaking',
        message: path.length === 0 ? 'is removed' : 'is no longer given',
      });
    }
  }
  if (walk.role === 'accepts') {
    for (const name of afterRequired) {
      if (!beforeRequired.has(name)) {
        const known = Object.hasOwn(beforeProps, name);
        note(walk, [...path, name], {
          change: 'required',
          severity: 'breaking',
          message: known ? 'is now required' : 'is new and required, with no default',
        });
      }
    }
  } else {
    for (const name of beforeRequired) {
      if (!afterRequired.has(name) && Object.hasOwn(afterProps, name)) {
        note(walk, [...path, name], {
          change: 'required',
          severity: 'possibly_breaking',
          message: 'may now be missing',
        });
      }
    }
  }
  const [outerExtra, innerExtra] = [extraOf(outer), extraOf(inner)];
  if (walk.role === 'accepts' && outerExtra === false && innerExtra !== false) {
    note(walk, path, {
      change: 'constraint',
      severity: 'breaking',
      message: 'no longer accepts properties it does not declare',
    });
  } else if ('additionalProperties' in outer || 'additionalProperties' in inner) {
    walk.cover(walk, {
      outer: outerExtra,
      inner: innerExtra,
      path: [...path, '{}'],
      depth: depth + 1,
    });
  }
}

/** A property the new version no longer declares, in a schema values flow into. */
function removedAccepted(walk: Walk, after: Schema, removed: Pair<Node>): void {
  const { inner: old, path: at, depth } = removed;
  const extra = extraOf(after);
  if (at.length === 1) {
    // Top-level names are inputs or settings: an edge into a missing input is refused, and a
    // setting the new version does not declare is dropped, whatever the schema lets through.
    note(walk, at, { change: 'removed', severity: 'breaking', message: 'is removed' });
  } else if (extra === false) {
    note(walk, at, { change: 'removed', severity: 'breaking', message: 'is no longer accepted' });
  } else if (isRecord(after['additionalProperties'])) {
    walk.cover(walk, { outer: extra, inner: old, path: at, depth: depth + 1 });
  } else {
    note(walk, at, {
      change: 'removed',
      severity: 'possibly_breaking',
      message: 'is no longer declared, so a value sent for it is ignored',
    });
  }
}

export function coverArrays(walk: Walk, { outer, inner, path, depth }: Pair<Schema>): void {
  const outerTuple = outer['prefixItems'];
  const innerTuple = inner['prefixItems'];
  if (Array.isArray(outerTuple) || Array.isArray(innerTuple)) {
    const [o, i] = [
      Array.isArray(outerTuple) ? outerTuple : [],
      Array.isArray(innerTuple) ? innerTuple : [],
    ];
    // Positions past a tuple's end fall to its `items`.
    for (let n = 0; n < Math.max(o.length, i.length); n += 1) {
      const outerItem = n < o.length ? asNode(o[n]) : extraItems(outer);
      const innerItem = n < i.length ? asNode(i[n]) : extraItems(inner);
      walk.cover(walk, {
        outer: outerItem,
        inner: innerItem,
        path: [...path, `[${String(n)}]`],
        depth: depth + 1,
      });
    }
  }
  if ('items' in outer || 'items' in inner) {
    walk.cover(walk, {
      outer: extraItems(outer),
      inner: extraItems(inner),
      path: [...path, '[]'],
      depth: depth + 1,
    });
  }
}

function extraItems(schema: Schema): Node {
  return schema['items'] === undefined ? {} : asNode(schema['items']);
}
