/**
 * @module Wake-ups between the API and workers: a run was queued, a run has new events, a cancel
 * was asked (and the plugin records changed, on their own channel). Within a process they travel
 * as events; between processes on PostgreSQL, through `run-bus-link.ts`. Only a shortcut: the
 * database stays the source of truth, and whoever waits still reads it now and then (`backstopMs`):
 * rarely while every wake-up reaches this process, often while some may not.
 */
import { EventEmitter } from 'node:events';
import { z } from 'zod';

/** One wake-up, as it crosses to another process. */
export const busMessageSchema = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('queued') }),
  z.object({ kind: z.literal('changed'), runId: z.string() }),
  z.object({ kind: z.literal('cancel'), runId: z.string() }),
]);
export type BusMessage = z.infer<typeof busMessageSchema>;

/** Between reads of a waiter that every wake-up reaches: only a guard against a lost one. */
const BACKSTOP_RELIABLE_MS = 5_000;
/** Between reads while wake-ups from other processes may be missed (their link is down). */
const BACKSTOP_UNRELIABLE_MS = 500;

export class RunBus {
  readonly #events = new EventEmitter().setMaxListeners(0);
  /** Sends this process's wake-ups on to the others, when they are linked. */
  #relay: ((message: BusMessage) => void) | undefined;
  /** Unlinked, every writer is in this process (the embedded database admits one process). */
  #hearsOthers = true;
  #heardOthers = false;

  queued(): void {
    this.#publish({ kind: 'queued' });
  }

  onQueued(listener: () => void): () => void {
    this.#events.on('queued', listener);
    return () => this.#events.off('queued', listener);
  }

  changed(runId: string): void {
    this.#publish({ kind: 'changed', runId });
  }

  /** Also told when wake-ups may have been missed, so the listener reads again. */
  onChanged(runId: string, listener: () => void): () => void {
    this.#events.on(`changed:${runId}`, listener);
    this.#events.on('resync', listener);
    return () => {
      this.#events.off(`changed:${runId}`, listener);
      this.#events.off('resync', listener);
    };
  }

  /** How long a waiter may go without reading the database. */
  backstopMs(): number {
    return this.#hearsOthers ? BACKSTOP_RELIABLE_MS : BACKSTOP_UNRELIABLE_MS;
  }

  cancel(runId: string): void {
    this.#publish({ kind: 'cancel', runId });
  }

  onCancel(listener: (runId: string) => void): () => void {
    this.#events.on('cancel', listener);
    return () => this.#events.off('cancel', listener);
  }

  /** Links this bus to the others: `relay` gets each local wake-up. */
  relayTo(relay: (message: BusMessage) => void): void {
    this.#relay = relay;
    this.#hearsOthers = false;
  }

  /**
   * Whether wake-ups from the other processes arrive (the link is listening). Waiters read again
   * when the link stops (to wait less from then on) and when it listens again after that (what
   * was sent while it was down is lost).
   */
  hearing(others: boolean): void {
    // Listening again means it stopped in between, and what was sent meanwhile was lost; the first
    // time it listens nothing was (waiters read often until then).
    const again = others && this.#heardOthers;
    this.#hearsOthers = others;
    this.#heardOthers ||= others;
    if (!others || again) {
      this.#events.emit('resync');
    }
  }

  /** A wake-up from another process: told to this process's listeners only. */
  receive(message: BusMessage): void {
    this.#emit(message);
  }

  #publish(message: BusMessage): void {
    this.#emit(message);
    this.#relay?.(message);
  }

  #emit(message: BusMessage): void {
    if (message.kind === 'queued') {
      this.#events.emit('queued');
    } else if (message.kind === 'changed') {
      this.#events.emit(`changed:${message.runId}`);
    } else {
      this.#events.emit('cancel', message.runId);
    }
  }
}
