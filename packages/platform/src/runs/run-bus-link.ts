/**
 * @module The run bus across processes on PostgreSQL (the API and separate workers, several
 * replicas): each process's wake-ups go out with NOTIFY on one channel, coalesced per turn of the
 * event loop, and each process LISTENs on a connection of its own and tells its own listeners.
 * A process ignores what it sent itself. A lost connection is opened again with backoff;
 * meanwhile whoever waits reads the database often (RunBus.backstopMs), and everyone reads again
 * once it listens, so nothing is missed for good.
 */
import { randomUUID } from 'node:crypto';
import { backoffDelay } from '@plugboard/protocol';
import type { FastifyBaseLogger } from 'fastify';
import pg from 'pg';
import { z } from 'zod';
import type { Queryable } from '../db/database.ts';
import { busMessageSchema, type BusMessage, type RunBus } from './run-bus.ts';

const CHANNEL = 'plugboard_run_bus';
/** NOTIFY payloads are limited to 8000 bytes; a batch is split well below that. */
const MAX_PAYLOAD_CHARS = 6_000;

const payloadSchema = z.object({ from: z.string(), messages: z.array(busMessageSchema) });

export interface RunBusLink {
  close(): Promise<void>;
}

export function linkRunBus(
  bus: RunBus,
  options: { url: string; db: Queryable; log: FastifyBaseLogger },
): RunBusLink {
  const me = randomUUID();
  let closed = false;
  let pending: BusMessage[] = [];
  const flush = () => {
    const unique = [...new Map(pending.map((m) => [JSON.stringify(m), m])).values()];
    pending = [];
    for (let start = 0; start < unique.length;) {
      const batch: BusMessage[] = [];
      let size = 0;
      while (start < unique.length && size < MAX_PAYLOAD_CHARS) {
        const message = unique[start++] as BusMessage;
        batch.push(message);
        size += JSON.stringify(message).length;
      }
      const payload = JSON.stringify({ from: me, messages: batch });
      options.db.query('SELECT pg_notify($1, $2)', [CHANNEL, payload]).catch(() => {
        // The others poll the database anyway: a lost wake-up only delays them.
      });
    }
  };
  bus.relayTo((message) => {
    if (closed) {
      return;
    }
    if (pending.length === 0) {
      setImmediate(flush);
    }
    pending.push(message);
  });

  let client: pg.Client | undefined;
  let retry = 0;
  let timer: NodeJS.Timeout | undefined;
  const listen = async (): Promise<void> => {
    const next = new pg.Client({ connectionString: options.url, keepAlive: true });
    next.on('notification', (notification) => {
      if (notification.channel !== CHANNEL || notification.payload === undefined) {
        return;
      }
      let parsed: unknown;
      try {
        parsed = JSON.parse(notification.payload);
      } catch {
        return;
      }
      const payload = payloadSchema.safeParse(parsed);
      if (payload.success && payload.data.from !== me) {
        for (const message of payload.data.messages) {
          bus.receive(message);
        }
      }
    });
    const reopen = () => {
      if (client !== next || closed) {
        return;
      }
      bus.hearing(false);
      client = undefined;
      next.end().catch(() => undefined);
      schedule();
    };
    next.on('error', reopen);
    next.on('end', reopen);
    client = next;
    try {
      await next.connect();
      await next.query(`LISTEN ${CHANNEL}`);
      retry = 0;
      bus.hearing(true);
    } catch (error) {
      options.log.warn(
        { err: error },
        'cannot listen for run wake-ups from other processes; polling meanwhile',
      );
      reopen();
    }
  };
  const schedule = () => {
    retry += 1;
    timer = setTimeout(
      () => void listen(),
      backoffDelay(retry, { baseMs: 500, maxMs: 30_000, random: Math.random }),
    );
    timer.unref();
  };
  void listen();

  return {
    async close() {
      closed = true;
      clearTimeout(timer);
      const last = client;
      client = undefined;
      await last?.end().catch(() => undefined);
    },
  };
}
