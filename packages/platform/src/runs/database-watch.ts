/**
 * @module What a worker knows of its database's availability: how long it has answered since it
 * was last away or since the worker started (abandoned-run checks wait that out), whether an
 * outage just ended, and one log line when it goes away and one when it is back.
 */
import { setTimeout as delay } from 'node:timers/promises';
import type { FastifyBaseLogger } from 'fastify';
import { backoffDelay } from '@plugboard/protocol';
import { PlatformError } from '../errors.ts';

/** The database's own state (away, or its disk full), which passes: worth waiting out. */
function isDatabaseState(error: unknown): boolean {
  return (
    error instanceof PlatformError &&
    (error.code === 'PLAT_DATABASE_UNAVAILABLE' || error.code === 'PLAT_DISK_FULL')
  );
}

/**
 * Runs `work` again while it fails for the database's state, with a growing pause, until it
 * succeeds, fails otherwise, or `signal` aborts (then the last failure is thrown).
 */
export async function whileDatabaseAway<T>(
  work: () => Promise<T>,
  signal: AbortSignal,
  onAway: (error: unknown) => void = () => undefined,
): Promise<T> {
  for (let attempt = 0; ; attempt += 1) {
    try {
      return await work();
    } catch (error) {
      if (!isDatabaseState(error) || signal.aborted) {
        throw error;
      }
      onAway(error);
      await delay(backoffDelay(attempt + 1, { baseMs: 250, maxMs: 5_000 }), undefined, {
        signal,
      }).catch(() => undefined);
    }
  }
}

export class DatabaseWatch {
  readonly #log: FastifyBaseLogger;
  /**
   * From this worker's start: a worker cannot know what happened before it, and live workers may
   * just be catching up after an outage it did not see.
   */
  #upSince = performance.now();
  #away = false;
  #recheck = false;

  constructor(log: FastifyBaseLogger) {
    this.#log = log;
  }

  /** How long the database has answered since it was last found away, or since the start. */
  upForMs(): number {
    return this.#away ? 0 : performance.now() - this.#upSince;
  }

  answered(): void {
    if (this.#away) {
      this.#away = false;
      this.#recheck = true;
      this.#upSince = performance.now();
      this.#log.info('the database answers again; the worker goes on');
    }
  }

  /** Once after each outage: whether writes whose answers it lost need checking. */
  recheckClaims(): boolean {
    const recheck = this.#recheck;
    this.#recheck = false;
    return recheck;
  }

  failed(error: unknown): void {
    if (!isDatabaseState(error)) {
      this.#log.error({ err: error }, 'the worker failed to use the database; retrying');
      return;
    }
    if (!this.#away) {
      this.#away = true;
      this.#log.warn(
        { err: error },
        'the database is unavailable; runs in progress keep their results until it is back',
      );
    }
  }
}
