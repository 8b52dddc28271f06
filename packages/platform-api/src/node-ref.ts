/**
 * @module How a saved node names its type: `<prefix>/<name>`, and for a pinned plugin node
 * `@<range>`. Without schemas, so a browser bundle (the web UI) reads node types without zod.
 */

/** A node type split into what it names: `<prefix>/<name>` and, for a pinned plugin node, `@<range>`. */
export interface NodeRef {
  /** `<prefix>/<name>`, without the range. */
  readonly base: string;
  readonly prefix: string;
  readonly name: string;
  readonly range?: string | undefined;
}

/** Splits `text-tools/change-case@^1`; the range is whatever follows the first "@". */
export function parseNodeRef(type: string): NodeRef {
  const at = type.indexOf('@');
  const base = at === -1 ? type : type.slice(0, at);
  const slash = base.indexOf('/');
  return {
    base,
    prefix: slash === -1 ? '' : base.slice(0, slash),
    name: slash === -1 ? base : base.slice(slash + 1),
    ...(at === -1 ? {} : { range: type.slice(at + 1) }),
  };
}
