/**
 * @module Delivers status webhooks to the platform, surviving its downtime and our restarts: per
 * plugin, only the latest status waits (a newer one replaces it, keeping sequence order), on disk,
 * retried with jittered exponential backoff that honours Retry-After. A newer status, or any sign
 * that the platform answers again, ends the wait at once; a disk that takes no writes costs the
 * restart safety only, never the delivery.
 */
import { randomUUID } from 'node:crypto';
import { mkdir, readdir, readFile, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { request } from 'undici';
import { backoffDelay } from '@plugboard/protocol';
import { signedHeaders } from '@plugboard/server-api';
import type { StatusEvent } from '@plugboard/server-api';

export interface OutboxOptions {
  readonly dir: string;
  /** The platform's status webhook URL. */
  readonly url: string;
  readonly secret: string;
  /** Sent as `Authorization: Bearer <key>` so the platform knows which Plugin Server speaks. */
  readonly apiKey?: string | undefined;
  /**
   * The platform's health URL: asked every `probeMs` while a status waits out a backoff, so the
   * wait ends as soon as the platform answers again.
   */
  readonly healthUrl?: string | undefined;
  readonly probeMs?: number;
  readonly attemptTimeoutMs?: number;
  readonly baseDelayMs?: number;
  readonly maxDelayMs?: number;
  readonly log?: (message: string, fields: Record<string, unknown>) => void;
  readonly random?: () => number;
}

interface Pending {
  /** The webhook id: the same on every retry of this event, so the platform can de-duplicate. */
  readonly id: string;
  readonly event: StatusEvent;
}

interface PluginOutbox {
  sequence: number;
  pending: Pending | undefined;
  delivering: boolean;
  /** Ends the backoff wait of this plugin's delivery, when one is waiting. */
  wake: (() => void) | undefined;
  /** Serialises writes of this plugin's file. */
  saved: Promise<void>;
}

/** 4xx answers that say this event will never be accepted, so retrying it is pointless. */
const PERMANENT = new Set([400, 404, 410, 413, 422]);

export class StatusOutbox {
  readonly #options: OutboxOptions;
  readonly #plugins = new Map<string, PluginOutbox>();
  readonly #wakeups = new Set<() => void>();
  #stopped = false;
  /** Set while the last write to disk failed: statuses are then delivered from memory only. */
  #unsaved: string | undefined;
  #probing = false;
  /** When this run of the server began numbering; sent with every status (see statusEventSchema). */
  #epoch = 0;

  constructor(options: OutboxOptions) {
    this.#options = options;
  }

  /** Reads what a previous run left: sequences to continue from and statuses still to deliver. */
  async load(): Promise<void> {
    await mkdir(this.#options.dir, { recursive: true });
    this.#epoch = await nextEpoch(join(this.#options.dir, 'epoch'));
    for (const file of await readdir(this.#options.dir)) {
      if (!file.endsWith('.json')) {
        continue;
      }
      const saved = JSON.parse(await readFile(join(this.#options.dir, file), 'utf8')) as {
        sequence: number;
        pending?: Pending;
      };
      const id = file.slice(0, -'.json'.length);
      this.#plugins.set(id, {
        sequence: saved.sequence,
        pending: saved.pending,
        delivering: false,
        wake: undefined,
        saved: Promise.resolve(),
      });
      void this.#deliver(id).catch((error: unknown) => {
        this.#options.log?.('status webhook delivery failed', {
          pluginId: id,
          error: String(error),
        });
      });
    }
  }

  /** Numbers the event, keeps it as this plugin's one pending status (on disk), and sends it. */
  async publish(event: Omit<StatusEvent, 'sequence' | 'epoch'>): Promise<StatusEvent> {
    const box = this.#box(event.pluginId);
    box.sequence += 1;
    const numbered: StatusEvent = { ...event, epoch: this.#epoch, sequence: box.sequence };
    box.pending = { id: `msg_${randomUUID()}`, event: numbered };
    await this.#save(event.pluginId, box);
    // A delivery waiting out a backoff sends this newer status now.
    box.wake?.();
    void this.#deliver(event.pluginId).catch((error: unknown) => {
      this.#options.log?.('status webhook delivery failed', {
        pluginId: event.pluginId,
        error: String(error),
      });
    });
    return numbered;
  }

  /**
   * The platform has shown it answers again (it called us, or took a webhook): every delivery
   * waiting out a backoff tries now instead of at the end of its wait.
   */
  platformAnswered(): void {
    for (const box of this.#plugins.values()) {
      box.wake?.();
    }
  }

  /** Why statuses are not being kept on disk now (the last write failed), if they are not. */
  get unsaved(): string | undefined {
    return this.#unsaved;
  }

  pending(pluginId: string): StatusEvent | undefined {
    return this.#plugins.get(pluginId)?.pending?.event;
  }

  /** Resolves when nothing is waiting (for tests and orderly shutdown). */
  async drained(timeoutMs: number): Promise<boolean> {
    const deadline = Date.now() + timeoutMs;
    while (Date.now() < deadline) {
      if ([...this.#plugins.values()].every((box) => box.pending === undefined)) {
        return true;
      }
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    return false;
  }

  stop(): void {
    this.#stopped = true;
    for (const wake of this.#wakeups) {
      wake();
    }
  }

  #box(pluginId: string): PluginOutbox {
    let box = this.#plugins.get(pluginId);
    if (box === undefined) {
      box = {
        sequence: 0,
        pending: undefined,
        delivering: false,
        wake: undefined,
        saved: Promise.resolve(),
      };
      this.#plugins.set(pluginId, box);
    }
    return box;
  }

  /**
   * Atomic (temp file + rename), and in order, so a crash leaves either state, never a torn one.
   * A write that fails (a full disk) is logged and the status goes on from memory: it is still
   * delivered, only not across a restart of this server.
   */
  #save(pluginId: string, box: PluginOutbox): Promise<void> {
    const file = join(this.#options.dir, `${pluginId}.json`);
    box.saved = box.saved.then(async () => {
      try {
        await writeFile(
          `${file}.tmp`,
          JSON.stringify({ sequence: box.sequence, pending: box.pending }),
        );
        await rename(`${file}.tmp`, file);
        if (this.#unsaved !== undefined) {
          this.#unsaved = undefined;
          this.#options.log?.('status webhooks are kept on disk again', { pluginId });
        }
      } catch (error) {
        this.#unsaved = (error as Error).message;
        this.#options.log?.(
          'could not keep a status webhook on disk; delivering it from memory (it is lost if this server restarts before it is delivered)',
          { pluginId, sequence: box.sequence, error: this.#unsaved },
        );
      }
    });
    return box.saved;
  }

  async #deliver(pluginId: string): Promise<void> {
    const box = this.#box(pluginId);
    if (box.delivering) {
      return;
    }
    box.delivering = true;
    let attempt = 0;
    try {
      while (box.pending !== undefined && !this.#stopped) {
        const sending = box.pending;
        const outcome = await this.#attempt(sending);
        if (outcome.done) {
          if (box.pending.id === sending.id) {
            box.pending = undefined;
            await this.#save(pluginId, box);
          }
          attempt = 0;
          // The platform answers: other plugins' statuses waiting out a backoff go now too.
          this.platformAnswered();
          continue;
        }
        attempt += 1;
        const delay =
          outcome.retryAfterMs ??
          backoffDelay(attempt, {
            baseMs: this.#options.baseDelayMs ?? 1_000,
            maxMs: this.#options.maxDelayMs ?? 300_000,
            random: this.#options.random ?? Math.random,
          });
        this.#options.log?.('status webhook not delivered; retrying', {
          pluginId,
          sequence: sending.event.sequence,
          attempt,
          delayMs: delay,
          why: outcome.why,
        });
        await this.#sleep(delay, box);
      }
    } finally {
      box.delivering = false;
    }
  }

  async #attempt(
    pending: Pending,
  ): Promise<{ done: true } | { done: false; why: string; retryAfterMs?: number }> {
    const body = JSON.stringify(pending.event);
    try {
      const response = await request(this.#options.url, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          ...(this.#options.apiKey === undefined
            ? {}
            : { authorization: `Bearer ${this.#options.apiKey}` }),
          ...signedHeaders(this.#options.secret, { id: pending.id, body }),
        },
        body,
        signal: AbortSignal.timeout(this.#options.attemptTimeoutMs ?? 15_000),
      });
      await response.body.dump().catch(() => undefined);
      if (response.statusCode < 300) {
        return { done: true };
      }
      if (PERMANENT.has(response.statusCode)) {
        this.#options.log?.('the platform refused a status webhook for good; dropping it', {
          pluginId: pending.event.pluginId,
          status: response.statusCode,
        });
        return { done: true };
      }
      const retryAfter = retryAfterMs(response.headers['retry-after']);
      return {
        done: false,
        why: `answered ${String(response.statusCode)}`,
        ...(retryAfter === undefined ? {} : { retryAfterMs: retryAfter }),
      };
    } catch (error) {
      return { done: false, why: (error as Error).message };
    }
  }

  #sleep(ms: number, box: PluginOutbox): Promise<void> {
    return new Promise((resolve) => {
      const wake = (): void => {
        clearTimeout(timer);
        this.#wakeups.delete(wake);
        box.wake = undefined;
        resolve();
      };
      const timer = setTimeout(wake, ms);
      this.#wakeups.add(wake);
      box.wake = wake;
      void this.#probeWhileWaiting();
    });
  }

  /** While any status waits out a backoff, asks the platform's health; an answer ends the waits. */
  async #probeWhileWaiting(): Promise<void> {
    const { healthUrl, probeMs = 1_000 } = this.#options;
    if (healthUrl === undefined || this.#probing) {
      return;
    }
    this.#probing = true;
    try {
      const waiting = (): boolean =>
        !this.#stopped && [...this.#plugins.values()].some((box) => box.wake !== undefined);
      // Only the change to answering wakes the waits: a platform that answers its health but
      // refuses a webhook is left to the backoff.
      let answeredBefore = false;
      while (waiting()) {
        await new Promise((resolve) => setTimeout(resolve, probeMs).unref());
        const answered = await request(healthUrl, {
          signal: AbortSignal.timeout(Math.max(probeMs, 1_000)),
        })
          .then(async (response) => {
            await response.body.dump();
            return response.statusCode === 200;
          })
          .catch(() => false);
        if (answered && !answeredBefore && waiting()) {
          this.platformAnswered();
        }
        answeredBefore = answered;
      }
    } finally {
      this.#probing = false;
    }
  }
}

function retryAfterMs(header: string | string[] | undefined): number | undefined {
  const value = Array.isArray(header) ? header[0] : header;
  if (value === undefined) {
    return undefined;
  }
  const seconds = Number(value);
  if (Number.isFinite(seconds)) {
    return Math.min(Math.max(0, seconds * 1000), 3_600_000);
  }
  const date = Date.parse(value);
  return Number.isNaN(date) ? undefined : Math.max(0, date - Date.now());
}

/**
 * Every start takes a later epoch than the last one recorded, so what this run numbers is newer
 * than anything an earlier run sent: also when the sequences kept on disk fell behind the ones
 * sent (writes failed while statuses went out from memory), or a folder starts afresh at 1.
 */
async function nextEpoch(file: string): Promise<number> {
  const previous = Number((await readFile(file, 'utf8').catch(() => '0')).trim() || '0');
  const epoch = Math.max(Date.now(), (Number.isFinite(previous) ? previous : 0) + 1);
  await writeFile(file, String(epoch)).catch(() => undefined);
  return epoch;
}
