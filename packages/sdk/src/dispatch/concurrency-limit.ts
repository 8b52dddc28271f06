/**
 * @module Counts work in flight against a ceiling, and tells when all of it is done (for drain).
 */

export class ConcurrencyLimit {
  readonly max: number;
  #inFlight = 0;
  #idleWaiters: (() => void)[] = [];

  constructor(max: number) {
    this.max = max;
  }

  get inFlight(): number {
    return this.#inFlight;
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

  /** Resolves once nothing is in flight. */
  idle(): Promise<void> {
    if (this.#inFlight === 0) {
      return Promise.resolve();
    }
    return new Promise((resolve) => this.#idleWaiters.push(resolve));
  }
}
