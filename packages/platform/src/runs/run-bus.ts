/**
 * @module Wake-ups between the API and workers: a run was queued, a run has new events, a cancel
 * was asked (and the plugin records changed, on their own channel). Within a process they travel
 * as events; between processes on PostgreSQL, through `run-bus-link.ts`. Only a shortcut: the
 * database stays the source of truth, and whoever waits still polls it, slowly.
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

export class RunBus {
  readonly #events = new EventEmitter().setMaxListeners(0);
  /** Sends this process's wake-ups on to the others, when they are linked. */
  #relay: ((message: BusMessage) => void) | undefined;

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

  onChanged(runId: string, listener: () => void): () => void {
    this.#events.on(`changed:${runId}`, listener);
    return () => this.#events.off(`changed:${runId}`, listener);
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
