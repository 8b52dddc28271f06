/**
 * @module A run's events on their way to the database, off the nodes' path: a node waits for its
 * own record only, and its events follow in the background. Events that arrive while a write is in
 * flight leave together in the next one (one statement for the lot), so a busy run costs a write
 * per turn rather than one per event. One write at a time per run: parallel branches inserting
 * concurrently could commit a later id before an earlier one, which a stream reading "after id"
 * would then skip.
 */
import type { RunEventType } from '@plugboard/platform-api';

export interface PendingEvent {
  readonly type: RunEventType;
  readonly data: Record<string, unknown>;
}

export class RunEventBatch {
  readonly #write: (events: readonly PendingEvent[]) => Promise<void>;
  #pending: PendingEvent[] = [];
  #writing: Promise<void> = Promise.resolve();
  #queued = false;

  /** `write` stores the events in order, in one statement; it is called once at a time. */
  constructor(write: (events: readonly PendingEvent[]) => Promise<void>) {
    this.#write = write;
  }

  add(event: PendingEvent): void {
    this.#pending.push(event);
    if (!this.#queued) {
      this.#queued = true;
      // After a failed write nothing more is written: `written()` reports that failure, and the
      // handler here keeps it from counting as unhandled before anyone asks.
      this.#writing = this.#writing.then(() => this.#flush());
      this.#writing.catch(() => undefined);
    }
  }

  /** Resolves once every event added so far is stored; rejects if a write failed. */
  written(): Promise<void> {
    return this.#writing;
  }

  async #flush(): Promise<void> {
    this.#queued = false;
    const events = this.#pending;
    this.#pending = [];
    await this.#write(events);
  }
}
