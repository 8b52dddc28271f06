/**
 * @module In-process wake-ups between the API and an embedded worker: a run was queued, a run
 * has new events, a cancel was asked. Only a shortcut: the database stays the source of truth,
 * polled by a worker or a stream in another process.
 */
import { EventEmitter } from 'node:events';

export class RunBus {
  readonly #events = new EventEmitter().setMaxListeners(0);

  queued(): void {
    this.#events.emit('queued');
  }

  onQueued(listener: () => void): () => void {
    this.#events.on('queued', listener);
    return () => this.#events.off('queued', listener);
  }

  changed(runId: string): void {
    this.#events.emit(`changed:${runId}`);
  }

  onChanged(runId: string, listener: () => void): () => void {
    this.#events.on(`changed:${runId}`, listener);
    return () => this.#events.off(`changed:${runId}`, listener);
  }

  cancel(runId: string): void {
    this.#events.emit('cancel', runId);
  }

  onCancel(listener: (runId: string) => void): () => void {
    this.#events.on('cancel', listener);
    return () => this.#events.off('cancel', listener);
  }
}
