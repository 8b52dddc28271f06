/**
 * @module The embedded database: PGlite (PostgreSQL compiled to WebAssembly) in a folder, so
 * the platform needs no database server by default. One process may open the folder at a time,
 * and PGlite does not check: a lock file beside the folder holds the owner's pid, so a second
 * process (a platform, `plugboard secrets rotate`) is refused instead of corrupting it. The lock
 * of a process that is gone is taken over.
 */
import { mkdir } from 'node:fs/promises';
import { takePidLock } from '@plugboard/service-kit';
import { PGlite } from '@electric-sql/pglite';
import { PlatformError } from '../errors.ts';
import type { Database, Queryable } from './database.ts';
import { coded } from './database-failures.ts';

const WHERE = 'the embedded database';

export async function openPgliteDatabase(dir: string | undefined): Promise<Database> {
  let unlock = async () => {};
  if (dir !== undefined) {
    await mkdir(dir, { recursive: true });
    unlock = await lock(dir);
  }
  let db: PGlite;
  try {
    db = await PGlite.create(dir === undefined ? undefined : { dataDir: dir });
  } catch (error) {
    await unlock();
    throw error;
  }
  const wrap = (q: Pick<PGlite, 'query'>): Queryable => ({
    query: async <Row>(text: string, params: readonly unknown[] = []) =>
      (await coded(WHERE, () => q.query<Row>(text, [...params]))).rows,
  });
  return {
    kind: 'pglite',
    ...wrap(db),
    transaction: (work) => db.transaction((tx) => work(wrap(tx))),
    exec: async (script) => {
      await db.exec(script);
    },
    close: async () => {
      try {
        await db.close();
      } finally {
        await unlock();
      }
    },
  };
}

async function lock(dir: string): Promise<() => Promise<void>> {
  const outcome = await takePidLock(`${dir}.lock`);
  if (outcome.taken) {
    return outcome.release;
  }
  throw new PlatformError(
    'PLAT_DATABASE_IN_USE',
    outcome.pid === undefined
      ? `cannot lock the embedded database in ${dir}: another process is opening it at the same time`
      : `the embedded database in ${dir} is open in another process (pid ${String(outcome.pid)}); stop it first (one process at a time: several need PostgreSQL, PLUGBOARD_DATABASE_URL)`,
  );
}
