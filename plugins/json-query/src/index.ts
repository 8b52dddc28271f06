// Official plugin: query and transform JSON with JSONata (https://jsonata.org).
import {
  defineNode,
  definePlugin,
  z,
  type DynamicConfigResult,
  type ExecutionContext,
} from '@plugboard/sdk';
import { checkExpression, compile, toJson, truthy, type Budget } from './engine.ts';

const expression = z
  .string()
  .min(1)
  .describe(
    'A JSONata expression, e.g. Account.Order.Product[Price > 30].Name. Variables are available as $name.',
  );

const timeoutMs = z
  .number()
  .int()
  .min(1)
  .max(60_000)
  .default(5_000)
  .describe(
    'Stop an evaluation that runs longer than this many milliseconds (for a list: in total).',
  );

// A step is one part of the expression evaluated once. A million take well under a second on a
// small server, so by default a runaway expression (an exponential or endless recursion) fails in
// about a second, the same way on every machine, while queries over inputs of a few hundred
// thousand items still fit; the time limit stays the backstop.
const maxSteps = z
  .number()
  .int()
  .min(1_000)
  .max(1_000_000_000)
  .default(1_000_000)
  .describe(
    'Stop an evaluation after this many steps (one step: one part of the expression evaluated once; for a list: per item). Bounds the work of runaway expressions such as endless recursion.',
  );

const variables = z
  .record(
    z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/, 'use letters, digits and _ (no $)'),
    z.unknown(),
  )
  .optional()
  .describe('Extra values the expression can read as $name, e.g. { "threshold": 10 }.');

/** Edit-time check: parses the expression and shows the error and its position, if any. */
function checkConfig(current: { expression?: string | undefined }): DynamicConfigResult {
  if (current.expression === undefined || current.expression.trim() === '') {
    return { fields: {}, ready: false, message: 'Write a JSONata expression' };
  }
  const problem = checkExpression(current.expression);
  return problem === undefined
    ? { fields: { expression: { description: 'The expression parses.' } }, ready: true }
    : { fields: { expression: { description: problem } }, ready: false, message: problem };
}

/**
 * The bounds of one node run: the configured timeout (for a list, all items together) cut short by
 * the execution's deadline, and the step limit of each evaluation.
 */
function budgetOf(
  ctx: Pick<ExecutionContext<unknown, unknown>, 'deadline' | 'signal'>,
  config: { timeoutMs: number; maxSteps: number },
): Budget {
  const deadline = Math.min(Date.now() + config.timeoutMs, ctx.deadline.getTime());
  return {
    deadline,
    timeoutMs: Math.min(config.timeoutMs, Math.max(0, Math.round(deadline - Date.now()))),
    maxSteps: config.maxSteps,
    signal: ctx.signal,
  };
}

export const query = defineNode({
  name: 'query',
  title: 'Query JSON (JSONata)',
  description:
    'Evaluates a JSONata expression against a JSON value: select, filter, aggregate, reshape. Returns null with found = false when nothing matches. Syntax errors are reported with their position while you edit.',
  category: 'data',
  inputs: z.object({
    data: z.unknown().describe('Any JSON value: the expression\'s input ("$" in JSONata).'),
    variables,
  }),
  outputs: z.object({
    result: z.unknown().describe('What the expression evaluated to; null when nothing matched.'),
    found: z.boolean().describe('False when the expression matched nothing (undefined).'),
  }),
  config: z.object({ expression, timeoutMs, maxSteps }),
  dynamicConfig: (_ctx, current) => checkConfig(current),
  run: async (ctx, inputs, config) => {
    const compiled = compile(config.expression);
    const result = await compiled.evaluate(
      inputs.data,
      inputs.variables ?? {},
      budgetOf(ctx, config),
    );
    return { result: toJson(result), found: result !== undefined };
  },
});

const listInputs = z.object({
  items: z.array(z.unknown()).describe('The list to go through, item by item.'),
  variables,
});

export const map = defineNode({
  name: 'map',
  title: 'Transform each item (JSONata)',
  description:
    'Evaluates a JSONata expression once per item of a list, with the item as input and $index (from 0) and $items (the whole list) as variables, and returns the list of results.',
  category: 'data',
  inputs: listInputs,
  outputs: z.object({
    results: z.array(z.unknown()).describe('One result per item (see skipEmpty).'),
    count: z.number().int().describe('How many results there are.'),
  }),
  config: z.object({
    expression,
    skipEmpty: z
      .boolean()
      .default(true)
      .describe('Leave out items for which the expression matched nothing; else they give null.'),
    timeoutMs,
    maxSteps,
  }),
  dynamicConfig: (_ctx, current) => checkConfig(current),
  run: async (ctx, inputs, config) => {
    const compiled = compile(config.expression);
    const budget = budgetOf(ctx, config);
    const results: unknown[] = [];
    for (const [index, item] of inputs.items.entries()) {
      ctx.signal.throwIfAborted();
      const bindings = { ...inputs.variables, index, items: inputs.items };
      const result = await compiled.evaluate(item, bindings, budget);
      if (result !== undefined || !config.skipEmpty) {
        results.push(toJson(result));
      }
    }
    return { results, count: results.length };
  },
});

export const filter = defineNode({
  name: 'filter',
  title: 'Filter a list (JSONata)',
  description:
    "Keeps the items of a list for which a JSONata condition is true (by JSONata's $boolean rules), with the item as input and $index and $items as variables. Also returns the items left out.",
  category: 'data',
  inputs: listInputs,
  outputs: z.object({
    kept: z.array(z.unknown()).describe('Items for which the condition is true, in order.'),
    rejected: z.array(z.unknown()).describe('The other items, in order.'),
  }),
  config: z.object({ expression, timeoutMs, maxSteps }),
  dynamicConfig: (_ctx, current) => checkConfig(current),
  run: async (ctx, inputs, config) => {
    const compiled = compile(config.expression);
    const budget = budgetOf(ctx, config);
    const kept: unknown[] = [];
    const rejected: unknown[] = [];
    for (const [index, item] of inputs.items.entries()) {
      ctx.signal.throwIfAborted();
      const bindings = { ...inputs.variables, index, items: inputs.items };
      const verdict = await compiled.evaluate(item, bindings, budget);
      (truthy(verdict) ? kept : rejected).push(item);
    }
    return { kept, rejected };
  },
});

export default definePlugin({
  id: 'json-query',
  version: '1.0.0',
  displayName: 'JSON query (JSONata)',
  description:
    'Query, reshape, transform and filter JSON with JSONata expressions, with syntax checked while you edit and every evaluation time-boxed.',
  author: 'Plugboard',
  nodes: [query, map, filter],
});
