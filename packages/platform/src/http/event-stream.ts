/**
 * @module A Server-Sent Events response on a hijacked reply: it ends when the client leaves or
 * the platform closes (whichever first), writes wait for a slow client (one chunk held at most),
 * and the producer sleeps until woken by a change or its poll interval passes.
 */
import { once } from 'node:events';
import type { FastifyReply, FastifyRequest } from 'fastify';

export interface EventStream {
  /** Aborted when the client left or the platform is closing. */
  readonly ended: AbortSignal;
  send(event: { id?: number; type?: string; data?: unknown; comment?: string }): Promise<void>;
  /** Resolves after `pollMs`, at once on `wake()`, or when the stream ends. */
  idle(pollMs: number): Promise<void>;
  /** Cuts an `idle` short (a change to send). */
  wake(): void;
  end(): void;
}

export function openEventStream(
  request: FastifyRequest,
  reply: FastifyReply,
  closing: AbortSignal,
): EventStream {
  reply.raw.writeHead(200, {
    'content-type': 'text/event-stream; charset=utf-8',
    'cache-control': 'no-cache',
    connection: 'keep-alive',
  });
  const left = new AbortController();
  request.raw.once('close', () => {
    left.abort();
  });
  const ended = AbortSignal.any([closing, left.signal]);
  let waking: (() => void) | undefined;
  // A wake-up while nothing idles is kept for the next idle: a change that arrives while the
  // stream sends is not left to the next poll.
  let woken = false;
  const wake = () => {
    if (waking === undefined) {
      woken = true;
    } else {
      waking();
    }
  };
  ended.addEventListener('abort', wake, { once: true });
  void reply.hijack();
  return {
    ended,
    async send(event) {
      const text =
        event.comment === undefined
          ? `${event.id === undefined ? '' : `id: ${String(event.id)}\n`}${event.type === undefined ? '' : `event: ${event.type}\n`}data: ${JSON.stringify(event.data)}\n\n`
          : `: ${event.comment}\n\n`;
      if (!reply.raw.write(text) && !ended.aborted) {
        await Promise.race([once(reply.raw, 'drain'), once(ended, 'abort')]);
      }
    },
    idle: (pollMs) =>
      new Promise<void>((resolve) => {
        if (woken || ended.aborted) {
          woken = false;
          resolve();
          return;
        }
        const timer = setTimeout(() => {
          waking = undefined;
          resolve();
        }, pollMs);
        waking = () => {
          waking = undefined;
          clearTimeout(timer);
          resolve();
        };
      }),
    wake,
    end() {
      ended.removeEventListener('abort', wake);
      reply.raw.end();
    },
  };
}
