/**
 * @module Whether an output may feed an input, judged from their JSON Schemas. Deliberately
 * lenient: it catches wiring that can never work (a number into a file input) and leaves finer
 * checks to the node, which validates its inputs anyway.
 */
import type { JsonSchema } from '@plugboard/protocol';

const FILE = 'file';

/** The JSON types a schema allows, `file` for file references, or undefined for "anything". */
function valueTypesOf(schema: JsonSchema): Set<string> | undefined {
  if (schema['x-plugboard-type'] === FILE) {
    return new Set([FILE]);
  }
  const type = schema['type'];
  if (typeof type === 'string') {
    return new Set([type]);
  }
  if (Array.isArray(type)) {
    return new Set(type.filter((t): t is string => typeof t === 'string'));
  }
  const branches = schema['anyOf'] ?? schema['oneOf'];
  if (Array.isArray(branches) && branches.length > 0) {
    const types = new Set<string>();
    for (const branch of branches) {
      const inner =
        typeof branch === 'object' && branch !== null
          ? valueTypesOf(branch as JsonSchema)
          : undefined;
      if (inner === undefined) {
        return undefined;
      }
      inner.forEach((t) => types.add(t));
    }
    return types;
  }
  return undefined;
}

function accepts(inputTypes: ReadonlySet<string>, outputType: string): boolean {
  return (
    inputTypes.has(outputType) ||
    (outputType === 'integer' && inputTypes.has('number')) ||
    // A number input that is really an integer one still takes numbers that happen to be whole.
    (outputType === 'number' && inputTypes.has('integer'))
  );
}

/** Compatible when either side takes anything or some type the output can produce fits. */
export function portsCompatible(output: JsonSchema, input: JsonSchema): boolean {
  const produced = valueTypesOf(output);
  const wanted = valueTypesOf(input);
  if (produced === undefined || wanted === undefined) {
    return true;
  }
  return [...produced].some((type) => accepts(wanted, type));
}

export function describeTypes(schema: JsonSchema): string {
  const types = valueTypesOf(schema);
  return types === undefined ? 'any' : [...types].join(' | ');
}
