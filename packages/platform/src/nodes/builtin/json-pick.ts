/**
 * @module `core/json_pick`: one part of a JSON value, by path (`items[0].name`).
 */
import { z } from 'zod';
import { defineBuiltin } from './define-builtin.ts';
import { parsePath, readPath } from './value-path.ts';

export const jsonPickNode = defineBuiltin({
  name: 'json_pick',
  title: 'Pick from JSON',
  description:
    'Outputs the part of the input at a path such as items[0].name (empty: the whole value); null when absent.',
  category: 'data',
  config: z.strictObject({ path: z.string().max(1000).default('') }),
  inputs: z.object({ value: z.unknown() }),
  outputs: z.object({ value: z.unknown() }),
  // null rather than a missing output: a missing output would skip every node downstream.
  run: ({ config, inputs }) => ({ value: readPath(inputs.value, parsePath(config.path)) ?? null }),
});
