/**
 * @module A node's ports as read from its JSON Schemas: each entry of `properties` is a port,
 * and `additionalProperties` (true or a schema) lets any other name through, as `core/template`'s
 * inputs do. Schemas that leave `additionalProperties` out are closed here: zod's plain objects
 * omit it, and treating them as open would hide every misspelt port.
 */
import type { JsonSchema } from '@plugboard/protocol';
import type { ExecutableNode, NodePorts } from './node-definition.ts';

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

export function portsOf(node: ExecutableNode, config: Record<string, unknown>): NodePorts {
  return node.portsFor?.(config) ?? { inputs: node.inputs, outputs: node.outputs };
}

export function portNames(schema: JsonSchema): string[] {
  const properties = schema['properties'];
  return isRecord(properties) ? Object.keys(properties) : [];
}

/** The schema of one port, or undefined when the node has no such port. */
export function portSchema(schema: JsonSchema, port: string): JsonSchema | undefined {
  const properties = schema['properties'];
  if (isRecord(properties) && Object.hasOwn(properties, port)) {
    const declared = properties[port];
    return isRecord(declared) ? declared : {};
  }
  const extra = schema['additionalProperties'];
  if (extra === true) {
    return {};
  }
  return isRecord(extra) ? extra : undefined;
}

export function requiredPorts(schema: JsonSchema): string[] {
  const required = schema['required'];
  return Array.isArray(required)
    ? required.filter((name): name is string => typeof name === 'string')
    : [];
}
