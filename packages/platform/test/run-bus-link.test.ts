// The run bus across processes on a real PostgreSQL: a wake-up in one process reaches the
// listeners of another at once (NOTIFY/LISTEN), a process is not told its own twice, and a burst
// is coalesced; after the listening connection is killed, the link comes back.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { pino } from 'pino';
import { openPostgresDatabase } from '../src/db/postgres-database.ts';
import type { Database } from '../src/db/database.ts';
import { RunBus } from '../src/runs/run-bus.ts';
import { linkRunBus, type RunBusLink } from '../src/runs/run-bus-link.ts';
import { createPostgresDatabase, until } from './helpers/test-platform.ts';

const log = pino({ level: 'silent' });
let database: { url: string; drop(): Promise<void> };
const dbs: Database[] = [];
const links: RunBusLink[] = [];

function processLike(url: string): RunBus {
  const db = openPostgresDatabase(url);
  dbs.push(db);
  const bus = new RunBus();
  links.push(linkRunBus(bus, { url, db, log }));
  return bus;
}

beforeAll(async () => {
  database = await createPostgresDatabase();
});
afterAll(async () => {
  for (const link of links) {
    await link.close();
  }
  for (const db of dbs) {
    await db.close();
  }
  await database.drop();
});

describe('the run bus across processes', () => {
  it('tells the other process at once, and this one only once', async () => {
    const api = processLike(database.url);
    const worker = processLike(database.url);
    // Both are listening once a wake-up sent now arrives.
    const seen: string[] = [];
    worker.onChanged('probe', () => seen.push('probe'));
    await until('the link to listen', () => {
      api.changed('probe');
      return seen.length > 0 ? true : undefined;
    });

    const changes: string[] = [];
    const local: string[] = [];
    worker.onChanged('run_1', () => changes.push('run_1'));
    api.onChanged('run_1', () => local.push('run_1'));
    const cancels: string[] = [];
    worker.onCancel((runId) => cancels.push(runId));
    let queued = 0;
    worker.onQueued(() => (queued += 1));

    const sent = performance.now();
    api.changed('run_1');
    api.cancel('run_1');
    api.queued();
    await until('the worker to hear all three', () =>
      changes.length > 0 && cancels.length > 0 && queued > 0 ? true : undefined,
    );
    expect(performance.now() - sent).toBeLessThan(1_000);
    expect(cancels).toEqual(['run_1']);
    // Its own wake-up reached the sender once, in process, not again from the database.
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(local).toEqual(['run_1']);

    // A burst in one turn is one notification, each wake-up told once.
    changes.length = 0;
    for (let i = 0; i < 50; i += 1) {
      api.changed('run_1');
    }
    await until('the burst', () => (changes.length > 0 ? true : undefined));
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(changes).toEqual(['run_1']);
  });

  it('listens again after its connection is killed', async () => {
    const api = processLike(database.url);
    const worker = processLike(database.url);
    const heard: string[] = [];
    worker.onChanged('run_2', () => heard.push('run_2'));
    await until('the link to listen', () => {
      api.changed('run_2');
      return heard.length > 0 ? true : undefined;
    });
    const admin = dbs[0] as Database;
    const killed = await admin.query(
      `SELECT pg_terminate_backend(pid) FROM pg_stat_activity
        WHERE datname = current_database() AND query LIKE 'LISTEN%' AND pid <> pg_backend_pid()`,
    );
    expect(killed.length).toBeGreaterThan(0);
    // While it does not listen, waiters are told to read again and then read the database often.
    await until('the link to notice', () => (worker.backstopMs() === 500 ? true : undefined));
    expect(heard.length).toBeGreaterThan(1);
    heard.length = 0;
    await until(
      'the link to listen again',
      () => (worker.backstopMs() === 5_000 ? true : undefined),
      40_000,
    );
    // Listening again, it tells its waiters to read what they may have missed meanwhile.
    expect(heard).toEqual(['run_2']);
    heard.length = 0;
    await until('a wake-up from the other process', () => {
      api.changed('run_2');
      return heard.length > 0 ? true : undefined;
    });
  }, 60_000);
});
