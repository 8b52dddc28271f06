/**
 * @module How a built-in node is declared: zod schemas, turned into the same JSON Schema plugin
 * manifests carry, and a run function that receives its config and inputs already parsed (so
 * config defaults apply even though graphs store config as the user wrote it).
 */
import { z } from 'zod';
import type { JsonSchema } from '@plugboard/protocol';
import {
  NodeFailure,
  type ExecutableNode,
  type NodeCall,
  type NodePorts,
} from '../node-definition.ts';

export const BUILTIN_PREFIX = 'core';

interface BuiltinSpec<C extends z.ZodType, I extends z.ZodType, O extends z.ZodType> {
  readonly name: string;
  readonly title: string;
  readonly description: string;
  readonly category: string;
  readonly config: C;
  readonly inputs: I;
  readonly outputs: O;
  readonly portsFor?: (config: z.output<C>) => Partial<NodePorts>;
  run(args: {
    config: z.output<C>;
    inputs: z.output<I>;
    call: NodeCall;
  }): z.input<O> | Promise<z.input<O>>;
}

/** `io: 'input'` for what a node receives (defaults make fields optional), as the SDK does. */
export function jsonSchemaOf(schema: z.ZodType, io: 'input' | 'output' = 'input'): JsonSchema {
  return z.toJSONSchema(schema, { io, target: 'draft-2020-12' });
}

function parsed<S extends z.ZodType>(
  schema: S,
  value: unknown,
  what: 'config' | 'inputs',
): z.output<S> {
  const result = schema.safeParse(value);
  if (!result.success) {
    throw new NodeFailure({
      code: what === 'config' ? 'CORE_CONFIG_INVALID' : 'CORE_INPUT_INVALID',
      message: `invalid ${what}: ${z.prettifyError(result.error)}`,
      kind: 'user',
    });
  }
  return result.data;
}

export function defineBuiltin<C extends z.ZodType, I extends z.ZodType, O extends z.ZodType>(
  spec: BuiltinSpec<C, I, O>,
): ExecutableNode {
  const inputs = jsonSchemaOf(spec.inputs);
  const outputs = jsonSchemaOf(spec.outputs, 'output');
  const portsFor = spec.portsFor;
  return {
    type: `${BUILTIN_PREFIX}/${spec.name}`,
    title: spec.title,
    description: spec.description,
    category: spec.category,
    origin: { kind: 'builtin' },
    inputs,
    outputs,
    config: jsonSchemaOf(spec.config),
    async execute(call) {
      const config = parsed(spec.config, call.config, 'config');
      const values = parsed(spec.inputs, call.inputs, 'inputs');
      return (await spec.run({ config, inputs: values, call })) as Record<string, unknown>;
    },
    ...(portsFor === undefined
      ? {}
      : {
          portsFor(config: Record<string, unknown>): NodePorts | undefined {
            const result = spec.config.safeParse(config);
            return result.success ? { inputs, outputs, ...portsFor(result.data) } : undefined;
          },
        }),
  };
}
