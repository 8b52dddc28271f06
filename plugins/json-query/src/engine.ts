// Compiles and evaluates JSONata expressions within bounds of time, steps, depth and size, turning
// the library's errors (which carry a code, a position and a token) into PluginErrors people can
// act on.
import jsonata from 'jsonata';
import { isPluginError, PluginError } from '@plugboard/sdk';
import { Re2RegexEngine } from './regex.ts';

interface JsonataFailure {
  code: string;
  message: string;
  position?: number;
  token?: string;
}

function asFailure(error: unknown): JsonataFailure | undefined {
  const candidate = error as Partial<JsonataFailure> | null;
  return typeof candidate === 'object' &&
    candidate !== null &&
    typeof candidate.code === 'string' &&
    typeof candidate.message === 'string'
    ? (candidate as JsonataFailure)
    : undefined;
}

/** "message (position 7, near "foo")": where in the expression the problem is. */
function describeFailure(failure: JsonataFailure): string {
  const where: string[] = [];
  if (typeof failure.position === 'number') {
    where.push(`position ${String(failure.position)}`);
  }
  if (typeof failure.token === 'string' && failure.token !== '') {
    where.push(`near "${failure.token}"`);
  }
  return where.length === 0 ? failure.message : `${failure.message} (${where.join(', ')})`;
}

function detailsOf(failure: JsonataFailure): Record<string, unknown> {
  return {
    jsonataCode: failure.code,
    ...(failure.position === undefined ? {} : { position: failure.position }),
    ...(failure.token === undefined ? {} : { token: failure.token }),
  };
}

export interface Limits {
  /** Largest evaluation depth (nested calls and steps); deeper fails with EXPRESSION_TOO_DEEP. */
  readonly maxDepth: number;
  /** Longest sequence an evaluation may build; longer fails with RESULT_TOO_LARGE. */
  readonly maxSequence: number;
}

// Depth 500 is far beyond any hand-written expression and still well inside Node's own stack, so a
// runaway recursion fails with a clear error instead of a stack overflow; a million items is more
// than a JSON input of normal size yields, and keeps a runaway [1..n] from exhausting memory.
const DEFAULT_LIMITS: Limits = { maxDepth: 500, maxSequence: 1_000_000 };

/**
 * JSONata evaluates one step (one node of the expression) at a time and awaits a hook before each.
 * Every this many steps the hook gives the event loop a turn, so other calls of the plugin go on, and
 * checks the execution's signal, so a cancelled or finished execution stops mid-evaluation (JSONata
 * evaluates the items of [ ] and { } concurrently: when one fails, the others run on until then).
 * That is every few milliseconds.
 */
const STEPS_BETWEEN_PAUSES = 10_000;

const ENTRY_HOOK = Symbol.for('jsonata.__evaluate_entry');

/** What one evaluation may use. */
export interface Budget {
  /** When it must have ended, in milliseconds since the epoch. */
  readonly deadline: number;
  /** The timeout the deadline comes from, for the error message. */
  readonly timeoutMs: number;
  /** Steps it may take; more fails with EXPRESSION_TOO_MANY_STEPS. */
  readonly maxSteps: number;
  /** Aborts when the execution is cancelled or reaches its deadline. */
  readonly signal: AbortSignal;
}

export interface Compiled {
  /** Evaluates against `input` within `budget`. Returns undefined when nothing matched. */
  evaluate(input: unknown, bindings: Record<string, unknown>, budget: Budget): Promise<unknown>;
}

function pause(signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve)).then(() => {
    signal.throwIfAborted();
  });
}

/** Parses an expression, or throws INVALID_EXPRESSION with the library's message and position. */
export function compile(expression: string, limits: Limits = DEFAULT_LIMITS): Compiled {
  // jsonata reads `timeout` from this object at every evaluation, so each call sets its own.
  const options = {
    stack: limits.maxDepth,
    sequence: limits.maxSequence,
    timeout: 0,
    // The library types this as RegExpConstructor; it only ever calls `new` and `exec` on it.
    RegexEngine: Re2RegexEngine as unknown as RegExpConstructor,
  };
  let parsed: jsonata.Expression;
  try {
    parsed = jsonata(expression, options);
  } catch (error) {
    const failure = asFailure(error);
    if (failure === undefined) {
      throw error;
    }
    throw new PluginError(`The expression is invalid: ${describeFailure(failure)}`, {
      code: 'INVALID_EXPRESSION',
      details: detailsOf(failure),
    });
  }
  // The hook lives in the expression's environment, so it also counts the steps of functions the
  // expression defines and of $eval; `current` is the evaluation under way.
  let current: { steps: number; budget?: Budget } = { steps: 0 };
  const countStep = (): Promise<void> | undefined => {
    const { budget } = current;
    if (budget === undefined) {
      return undefined;
    }
    current.steps += 1;
    if (current.steps > budget.maxSteps) {
      throw new PluginError(
        `The expression took more than ${String(budget.maxSteps)} evaluation steps, which usually means a recursion that does not end; simplify it or raise maxSteps`,
        { code: 'EXPRESSION_TOO_MANY_STEPS', details: { maxSteps: budget.maxSteps } },
      );
    }
    return current.steps % STEPS_BETWEEN_PAUSES === 0 ? pause(budget.signal) : undefined;
  };
  // The library types assign's name as a string; it binds symbols the same way.
  parsed.assign(ENTRY_HOOK as unknown as string, countStep);
  return {
    async evaluate(input, bindings, budget) {
      budget.signal.throwIfAborted();
      options.timeout = Math.floor(budget.deadline - Date.now());
      if (options.timeout <= 0) {
        // A list's earlier items used up the time; 0 would switch JSONata's timeout off.
        throw timeoutError(budget.timeoutMs);
      }
      current = { steps: 0, budget };
      try {
        return (await parsed.evaluate(input, bindings)) as unknown;
      } catch (error) {
        throw toEvaluationError(error, budget.timeoutMs);
      }
    },
  };
}

/** Checks an expression without running it; the problem in words, or undefined when it parses. */
export function checkExpression(expression: string): string | undefined {
  try {
    compile(expression);
    return undefined;
  } catch (error) {
    return error instanceof Error ? error.message : String(error);
  }
}

function timeoutError(timeoutMs: number, details: Record<string, unknown> = {}): PluginError {
  return new PluginError(
    `The expression ran for longer than ${String(timeoutMs)} ms; simplify it or raise timeoutMs`,
    { code: 'EXPRESSION_TIMEOUT', details },
  );
}

/** $eval wraps what failed inside it (D3120, D3121); the inner error says what happened. */
function unwrapEval(error: unknown): unknown {
  let inner = error;
  while (
    typeof inner === 'object' &&
    inner !== null &&
    'error' in inner &&
    /^D312[01]$/.test(String((inner as { code?: unknown }).code))
  ) {
    inner = inner.error;
  }
  return inner;
}

function toEvaluationError(thrown: unknown, timeoutMs: number): unknown {
  const error = unwrapEval(thrown);
  if (isPluginError(error)) {
    return error;
  }
  if (error instanceof RangeError) {
    // V8's own limits: the call stack, or a string or array too long to exist.
    return /call stack/i.test(error.message)
      ? new PluginError(`The expression recursed too deeply: ${error.message}`, {
          code: 'EXPRESSION_TOO_DEEP',
        })
      : new PluginError(`The expression builds too large a value: ${error.message}`, {
          code: 'RESULT_TOO_LARGE',
        });
  }
  const failure = asFailure(error);
  if (failure === undefined) {
    return error;
  }
  switch (failure.code) {
    case 'D1012':
      return timeoutError(timeoutMs, detailsOf(failure));
    case 'D1011':
      return new PluginError(
        `The expression nests or recurses too deeply: ${describeFailure(failure)}`,
        { code: 'EXPRESSION_TOO_DEEP', details: detailsOf(failure) },
      );
    case 'D2015':
      return new PluginError(`The expression builds too large a result: ${failure.message}`, {
        code: 'RESULT_TOO_LARGE',
        details: detailsOf(failure),
      });
    default:
      return new PluginError(`The expression failed: ${describeFailure(failure)}`, {
        code: 'EVALUATION_FAILED',
        details: detailsOf(failure),
      });
  }
}

/**
 * Makes a result plain JSON: JSONata sequences become arrays, and functions (an expression that
 * returns a lambda) are refused since they cannot leave the plugin.
 */
export function toJson(value: unknown): unknown {
  if (value === undefined) {
    return null;
  }
  const notJson = (): PluginError =>
    new PluginError('The expression returns a function, which is not a JSON value', {
      code: 'RESULT_NOT_JSON',
    });
  let text: string;
  try {
    text = JSON.stringify(value, (_key, item: unknown) => {
      if (typeof item === 'function' || isLambda(item)) {
        throw notJson();
      }
      return item;
    });
  } catch (error) {
    throw error instanceof PluginError
      ? error
      : new PluginError(`The result is not a JSON value: ${String(error)}`, {
          code: 'RESULT_NOT_JSON',
        });
  }
  return JSON.parse(text) as unknown;
}

/** JSONata represents its functions (lambdas, built-ins, partial applications) as marked objects. */
function isLambda(value: unknown): boolean {
  return (
    typeof value === 'object' &&
    value !== null &&
    ('_jsonata_lambda' in value || '_jsonata_function' in value)
  );
}

/** JSONata's $boolean(): how a filter decides whether an item is kept. */
export function truthy(value: unknown): boolean {
  if (typeof value === 'function' || isLambda(value)) {
    return false;
  }
  if (Array.isArray(value)) {
    return value.some(truthy);
  }
  if (typeof value === 'object' && value !== null) {
    return Object.keys(value).length > 0;
  }
  return Boolean(value);
}
