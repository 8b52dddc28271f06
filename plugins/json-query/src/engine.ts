// Compiles and evaluates JSONata expressions with guardrails, turning the library's errors
// (which carry a code, a position and a token) into PluginErrors people can act on.
import jsonata from 'jsonata';
import { PluginError } from '@plugboard/sdk';

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
export function describeFailure(failure: JsonataFailure): string {
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

export const DEFAULT_LIMITS: Limits = { maxDepth: 500, maxSequence: 1_000_000 };

export interface Compiled {
  /** Evaluates against `input`, giving up after `timeoutMs`. Returns undefined when nothing matched. */
  evaluate(input: unknown, bindings: Record<string, unknown>, timeoutMs: number): Promise<unknown>;
}

/** Parses an expression, or throws INVALID_EXPRESSION with the library's message and position. */
export function compile(expression: string, limits: Limits = DEFAULT_LIMITS): Compiled {
  // jsonata reads `timeout` from this object at every evaluation, so each call sets its own.
  const options = { stack: limits.maxDepth, sequence: limits.maxSequence, timeout: 0 };
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
  return {
    async evaluate(input, bindings, timeoutMs) {
      options.timeout = Math.max(1, Math.floor(timeoutMs));
      try {
        return (await parsed.evaluate(input, bindings)) as unknown;
      } catch (error) {
        throw toEvaluationError(error, options.timeout);
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

function toEvaluationError(error: unknown, timeoutMs: number): unknown {
  if (error instanceof RangeError) {
    return new PluginError(`The expression recursed too deeply: ${error.message}`, {
      code: 'EXPRESSION_TOO_DEEP',
    });
  }
  const failure = asFailure(error);
  if (failure === undefined) {
    return error;
  }
  switch (failure.code) {
    case 'D1012':
      return new PluginError(
        `The expression ran for longer than ${String(timeoutMs)} ms; simplify it or raise timeoutMs`,
        { code: 'EXPRESSION_TIMEOUT', details: detailsOf(failure) },
      );
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
