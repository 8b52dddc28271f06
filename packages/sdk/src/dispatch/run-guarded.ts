/**
 * @module Runs one piece of plugin code under a concurrency slot, a deadline and the caller's
 * signal. The answer goes out at the deadline or cancel even if the code ignores its signal; the
 * slot is held until the code really settles, so the limit bounds real work.
 */
import type { ConcurrencyLimit } from './concurrency-limit.ts';
import { PluginFailure } from './plugin-failure.ts';

export interface GuardOptions {
  readonly limit: ConcurrencyLimit;
  readonly timeoutMs: number;
  /** Aborted by the transport: the client went away, or the process is shutting down. */
  readonly signal: AbortSignal;
}

export async function runGuarded<T>(
  work: (signal: AbortSignal) => Promise<T> | T,
  options: GuardOptions,
): Promise<T> {
  if (!options.limit.tryAcquire()) {
    throw PluginFailure.of(
      'PLUGIN_OVERLOADED',
      `the plugin is already running ${String(options.limit.max)} executions; retry shortly or raise its concurrency limit`,
      { maxConcurrency: options.limit.max },
    );
  }
  const controller = new AbortController();
  const aborted = new Promise<never>((_resolve, reject) => {
    controller.signal.addEventListener('abort', () => {
      reject(asFailure(controller.signal.reason));
    });
  });
  aborted.catch(() => undefined);
  const timer = setTimeout(() => {
    controller.abort(
      PluginFailure.of(
        'PLUGIN_DEADLINE_EXCEEDED',
        `the execution did not finish within ${String(options.timeoutMs)} ms`,
        {
          timeoutMs: options.timeoutMs,
        },
      ),
    );
  }, options.timeoutMs);
  const onCallerAbort = (): void => {
    controller.abort(options.signal.reason);
  };
  if (options.signal.aborted) {
    onCallerAbort();
  } else {
    options.signal.addEventListener('abort', onCallerAbort, { once: true });
  }
  const running = Promise.resolve().then(() => work(controller.signal));
  void running
    .finally(() => {
      clearTimeout(timer);
      options.signal.removeEventListener('abort', onCallerAbort);
      options.limit.release();
      // Whatever the code left open on its signal (a file download it never read, a timer)
      // is cancelled once it is done, so nothing outlives the execution.
      controller.abort(PluginFailure.of('PLUGIN_CANCELLED', 'the execution has finished'));
    })
    .catch(() => undefined);
  return Promise.race([running, aborted]);
}

function asFailure(reason: unknown): PluginFailure {
  return reason instanceof PluginFailure
    ? reason
    : PluginFailure.of('PLUGIN_CANCELLED', 'the caller cancelled the execution');
}
