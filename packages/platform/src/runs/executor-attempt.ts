/**
 * @module One node execution inside a run: its deadline, the race against abort (a node that
 * ignores its signal must not hold the run), and what the outcome was, as the run records it.
 */
import type { ErrorKind } from '@plugboard/protocol';
import { PLATFORM_ERROR_CODES, type PlatformErrorCode } from '../errors.ts';
import type { ExecutableNode, NodeCall } from '../nodes/node-definition.ts';

export interface NodeError {
  readonly code: string;
  readonly message: string;
  readonly kind: ErrorKind;
  readonly retryable: boolean;
  readonly details?: Record<string, unknown>;
}

export type AttemptOutcome =
  | { readonly status: 'succeeded'; readonly outputs: Record<string, unknown> }
  | { readonly status: 'failed' | 'cancelled'; readonly error: NodeError };

export interface Attempt {
  readonly node: ExecutableNode;
  /** The call without its signal: the attempt makes that from `runSignal` and the deadline. */
  readonly call: Omit<NodeCall, 'signal'>;
  /** Aborts on cancel and when another node has failed the run. */
  readonly runSignal: AbortSignal;
}

export function platformNodeError(code: PlatformErrorCode, message: string): NodeError {
  const { kind, retryable } = PLATFORM_ERROR_CODES[code];
  return { code, message, kind, retryable };
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * NodeFailure and PlatformError keep their own code and words; anything else is a fault on our
 * side of the node boundary (a built-in's bug, a caller that did not wrap a transport error).
 */
function toNodeError(error: unknown): NodeError {
  if (error instanceof Error && 'code' in error && 'kind' in error && 'retryable' in error) {
    const coded = error as Error & {
      code: unknown;
      kind: unknown;
      retryable: unknown;
      details?: unknown;
    };
    if (typeof coded.code === 'string' && typeof coded.kind === 'string') {
      return {
        code: coded.code,
        message: coded.message,
        kind: coded.kind as ErrorKind,
        retryable: coded.retryable === true,
        ...(isRecord(coded.details) ? { details: coded.details } : {}),
      };
    }
  }
  const message = error instanceof Error ? error.message : String(error);
  return platformNodeError('PLAT_INTERNAL', `the node failed unexpectedly: ${message}`);
}

const ABORTED = Symbol('aborted');

/** Settles with ABORTED once the signal aborts; `dispose` drops the listener when the race is over. */
function whenAborted(signal: AbortSignal): {
  promise: Promise<typeof ABORTED>;
  dispose: () => void;
} {
  let dispose = (): void => undefined;
  const promise = new Promise<typeof ABORTED>((resolve) => {
    if (signal.aborted) {
      resolve(ABORTED);
      return;
    }
    const onAbort = (): void => {
      resolve(ABORTED);
    };
    signal.addEventListener('abort', onAbort, { once: true });
    dispose = () => {
      signal.removeEventListener('abort', onAbort);
    };
  });
  return { promise, dispose };
}

// A function, so the compiler does not carry a narrowing of `aborted` across awaits.
const isAborted = (signal: AbortSignal): boolean => signal.aborted;

export async function attemptNode(attempt: Attempt): Promise<AttemptOutcome> {
  const { node, call, runSignal } = attempt;
  const cancelled: AttemptOutcome = {
    status: 'cancelled',
    error: platformNodeError('PLAT_CANCELLED', 'the node was stopped because the run stopped'),
  };
  if (isAborted(runSignal)) {
    return cancelled;
  }
  const deadline = AbortSignal.timeout(call.timeoutMs);
  const signal = AbortSignal.any([runSignal, deadline]);
  const aborted = whenAborted(signal);
  /** After an abort, whatever the node did: the run stopping, or the deadline passing. */
  const stopped = (): AttemptOutcome | undefined => {
    if (isAborted(runSignal)) {
      return cancelled;
    }
    if (isAborted(deadline)) {
      return {
        status: 'failed',
        error: platformNodeError(
          'PLAT_NODE_TIMEOUT',
          `node "${call.nodeId}" did not finish within ${String(call.timeoutMs)} ms; raise its timeoutMs if it needs longer`,
        ),
      };
    }
    return undefined;
  };
  // Started from a microtask so a synchronous throw becomes a rejection; the no-op handler keeps
  // a node that settles after losing the race from surfacing as an unhandled rejection.
  const execution = Promise.resolve().then(() => node.execute({ ...call, signal }));
  execution.catch(() => undefined);
  let result: unknown;
  try {
    result = await Promise.race([execution, aborted.promise]);
  } catch (error) {
    return stopped() ?? { status: 'failed', error: toNodeError(error) };
  } finally {
    aborted.dispose();
  }
  if (result === ABORTED) {
    return stopped() ?? cancelled;
  }
  if (!isRecord(result)) {
    return {
      status: 'failed',
      error: platformNodeError('PLAT_INTERNAL', 'the node returned no outputs object'),
    };
  }
  return { status: 'succeeded', outputs: result };
}
