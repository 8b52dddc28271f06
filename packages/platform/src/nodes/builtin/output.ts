/**
 * @module `core/output`: one named output of the workflow. It produces nothing itself; the
 * executor collects the value reaching it into the run's outputs under the configured name.
 */
import { z } from 'zod';
import { defineBuiltin } from './define-builtin.ts';
import { ioNameSchema } from './input.ts';

export const OUTPUT_NODE_TYPE = 'core/output';

export const outputConfigSchema = z.strictObject({
  name: ioNameSchema,
  description: z.string().max(2000).optional(),
});

export const outputNode = defineBuiltin({
  name: 'output',
  title: 'Workflow output',
  description: 'Makes the value it receives one of the run’s outputs, under the configured name.',
  category: 'workflow',
  config: outputConfigSchema,
  inputs: z.object({ value: z.unknown() }),
  outputs: z.strictObject({}),
  run: () => ({}),
});
