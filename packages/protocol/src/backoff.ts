/**
 * @module The one backoff rule every retry loop of Plugboard uses: the n-th retry waits up to
 * base × 2^(n−1), capped; with a random source, anywhere from 0 to that ("full jitter"), so the
 * retries of many clients spread out instead of arriving together.
 */

export interface Backoff {
  readonly baseMs: number;
  readonly maxMs: number;
  /** Returns [0, 1); without it the wait is the ceiling itself. */
  readonly random?: (() => number) | undefined;
}

/** How long the `retry`-th retry waits (1 for the first). */
export function backoffDelay(retry: number, backoff: Backoff): number {
  const ceiling = Math.min(backoff.maxMs, backoff.baseMs * 2 ** Math.max(0, retry - 1));
  return backoff.random === undefined ? ceiling : Math.round(backoff.random() * ceiling);
}
