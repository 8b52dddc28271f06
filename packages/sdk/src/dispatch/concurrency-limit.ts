/**
 * @module Counts work in flight against a ceiling, and tells when all of it is done (for drain).
 * Work told to stop no longer holds a slot; if it ignores that past a grace it counts as stuck,
 * apart, so the process can report it.
 */

export class ConcurrencyLimit {
  readonly max: number;
  #inFlight = 0;
  #stuck = 0;
  #idleWaiters: (() => void)[] = [];

  constructor(max: number) {
    this.max = max;
  }

  get inFlight(): number {
    return this.#inFlight;
  }

  /** Work set aside that ran on past its grace and has not settled yet. */
  get stuck(): number {
    return this.#stuck;
  }

  tryAcquire(): boolean {
    if (this.#inFlight >= this.max) {
      return false;
    }
    this.#inFlight += 1;
    return true;
  }

  release(): void {
    this.#inFlight -= 1;
    if (this.#inFlight === 0) {
      for (const wake of this.#idleWaiters.splice(0)) {
        wake();
      }
    }
  }

  /**
   * Frees the slot of work that was told to stop (its answer is out) but has not settled yet.
   * Returns what to call once it settles (instead of `release`), and what to call if it is still
   * running after the grace it gets: from then on it counts as stuck.
   */
  setAside(): { settled: () => void; stuck: () => void } {
    let stuck = false;
    this.release();
    return {
      settled: () => {
        if (stuck) {
          this.#stuck -= 1;
        }
      },
      stuck: () => {
        stuck = true;
        this.#stuck += 1;
      },
    };
  }

  /** Resolves once nothing is in flight. */
  idle(): Promise<void> {
    if (this.#inFlight === 0) {
      return Promise.resolve();
    }
    return new Promise((resolve) => this.#idleWaiters.push(resolve));
  }
}
