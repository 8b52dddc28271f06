/**
 * @module `core/input`: one named input of the workflow. Its config says what type the run must
 * supply; the node outputs that run input as `value`.
 */
import { z } from 'zod';
import { fileRefSchema, type JsonSchema } from '@plugboard/protocol';
import { defineBuiltin, jsonSchemaOf } from './define-builtin.ts';

export const INPUT_NODE_TYPE = 'core/input';

const WORKFLOW_INPUT_TYPES = [
  'string',
  'number',
  'boolean',
  'object',
  'array',
  'file',
  'any',
] as const;
export type WorkflowInputType = (typeof WORKFLOW_INPUT_TYPES)[number];

/** Run inputs and outputs are named like identifiers so they read well in APIs and the CLI. */
export const ioNameSchema = z.string().regex(/^[A-Za-z_][A-Za-z0-9_]{0,63}$/, {
  message: 'use 1–64 letters, digits or "_", not starting with a digit',
});

export const inputConfigSchema = z.strictObject({
  name: ioNameSchema,
  type: z.enum(WORKFLOW_INPUT_TYPES).default('any'),
  required: z.boolean().default(true),
  default: z.unknown().optional(),
  description: z.string().max(2000).optional(),
});

const valueSchemas: Record<WorkflowInputType, z.ZodType> = {
  string: z.string(),
  number: z.number(),
  boolean: z.boolean(),
  object: z.record(z.string(), z.unknown()),
  array: z.array(z.unknown()),
  file: fileRefSchema,
  any: z.unknown(),
};

const portSchemas = Object.fromEntries(
  WORKFLOW_INPUT_TYPES.map((type) => [type, jsonSchemaOf(valueSchemas[type], 'output')]),
) as Record<WorkflowInputType, JsonSchema>;

/** Whether a run may pass `value` for an input of this type. */
export function acceptsValue(type: WorkflowInputType, value: unknown): boolean {
  return valueSchemas[type].safeParse(value).success;
}

export const inputNode = defineBuiltin({
  name: 'input',
  title: 'Workflow input',
  description: 'A value given when the workflow is run, under the configured name.',
  category: 'workflow',
  config: inputConfigSchema,
  inputs: z.strictObject({}),
  outputs: z.object({ value: z.unknown() }),
  portsFor: (config) => ({
    outputs: {
      type: 'object',
      properties: { value: portSchemas[config.type] },
      additionalProperties: false,
    },
  }),
  // The executor checked run inputs against every input node before starting.
  run: ({ config, call }) => {
    const given = call.runInputs?.[config.name];
    return { value: given === undefined ? (config.default ?? null) : given };
  },
});
