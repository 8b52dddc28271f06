/**
 * @module Runs one piece of plugin code under a concurrency slot, a deadline and the caller's
 * signal. The answer goes out at the deadline or cancel even if the code ignores its signal, and
 * the slot is freed with it so the process keeps serving; code still running `STUCK_AFTER_MS`
 * later counts as stuck, and the process reports it so its supervisor replaces the process.
 */
import { STUCK_AFTER_MS } from '@plugboard/protocol';
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
  let settled = false;
  let release = (): void => {
    options.limit.release();
  };
  let stuckTimer: NodeJS.Timeout | undefined;
  controller.signal.addEventListener('abort', () => {
    if (!settled) {
      // Its answer goes out now, so its slot goes to the next call; code that does not stop
      // within the grace is reported as stuck.
      const aside = options.limit.setAside();
      release = aside.settled;
      stuckTimer = setTimeout(aside.stuck, STUCK_AFTER_MS);
      stuckTimer.unref();
    }
  });
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
      settled = true;
      clearTimeout(timer);
      clearTimeout(stuckTimer);
      options.signal.removeEventListener('abort', onCallerAbort);
      release();
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
