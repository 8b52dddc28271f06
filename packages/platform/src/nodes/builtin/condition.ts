/**
 * @module `core/condition`: routes its input to the `true` or the `false` output. Only the taken
 * output is produced, so nodes fed only from the other one are skipped.
 */
import { isDeepStrictEqual } from 'node:util';
import { z } from 'zod';
import { NodeFailure } from '../node-definition.ts';
import { defineBuiltin } from './define-builtin.ts';

const CONDITION_OPERATORS = [
  'equals',
  'not_equals',
  'contains',
  'greater_than',
  'less_than',
  'is_empty',
  'is_not_empty',
  'is_true',
] as const;
type ConditionOperator = (typeof CONDITION_OPERATORS)[number];

function isEmpty(value: unknown): boolean {
  if (value === undefined || value === null || value === '') {
    return true;
  }
  if (Array.isArray(value)) {
    return value.length === 0;
  }
  return typeof value === 'object' && Object.keys(value).length === 0;
}

function contains(value: unknown, needle: unknown): boolean {
  if (typeof value === 'string') {
    return typeof needle === 'string' && value.includes(needle);
  }
  return Array.isArray(value) && value.some((item) => isDeepStrictEqual(item, needle));
}

/** Numbers, or strings that read as numbers, since inputs often arrive as text. */
function asNumber(value: unknown, operator: ConditionOperator): number {
  const number = typeof value === 'string' && value.trim() !== '' ? Number(value) : value;
  if (typeof number !== 'number' || Number.isNaN(number)) {
    throw new NodeFailure({
      code: 'CORE_NOT_COMPARABLE',
      message: `${operator} compares numbers, but got ${value === undefined ? 'nothing' : JSON.stringify(value)}`,
      kind: 'user',
    });
  }
  return number;
}

function evaluateCondition(
  operator: ConditionOperator,
  value: unknown,
  expected: unknown,
): boolean {
  switch (operator) {
    case 'equals':
      return isDeepStrictEqual(value, expected);
    case 'not_equals':
      return !isDeepStrictEqual(value, expected);
    case 'contains':
      return contains(value, expected);
    case 'greater_than':
      return asNumber(value, operator) > asNumber(expected, operator);
    case 'less_than':
      return asNumber(value, operator) < asNumber(expected, operator);
    case 'is_empty':
      return isEmpty(value);
    case 'is_not_empty':
      return !isEmpty(value);
    case 'is_true':
      return value === true;
  }
}

export const conditionNode = defineBuiltin({
  name: 'condition',
  title: 'Condition',
  description:
    'Passes its input to the "true" or the "false" output; nodes fed only by the other output are skipped.',
  category: 'flow',
  config: z.strictObject({
    operator: z.enum(CONDITION_OPERATORS),
    value: z.unknown().optional().describe('What the input is compared with.'),
  }),
  inputs: z.object({ value: z.unknown() }),
  outputs: z.object({ true: z.unknown().optional(), false: z.unknown().optional() }),
  run: ({ config, inputs }) =>
    evaluateCondition(config.operator, inputs.value, config.value)
      ? { true: inputs.value }
      : { false: inputs.value },
});
