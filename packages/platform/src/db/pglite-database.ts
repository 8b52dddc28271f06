/**
 * @module The embedded database: PGlite (PostgreSQL compiled to WebAssembly) in a folder, so
 * the platform needs no database server by default. One process may open the folder at a time,
 * and PGlite does not check: a lock file beside the folder holds the owner's pid, so a second
 * process (a platform, `plugboard secrets rotate`) is refused instead of corrupting it. The lock
 * of a process that is gone is taken over.
 */
import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
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
  const file = `${dir}.lock`;
  for (let attempt = 0; attempt < 2; attempt += 1) {
    try {
      await writeFile(file, String(process.pid), { flag: 'wx', mode: 0o600 });
      return () => rm(file, { force: true });
    } catch (error) {
      if ((error as { code?: unknown }).code !== 'EEXIST') {
        throw error;
      }
    }
    const owner = Number((await readFile(file, 'utf8').catch(() => '')).trim());
    if (Number.isInteger(owner) && owner > 0 && isAlive(owner)) {
      throw new PlatformError(
        'PLAT_DATABASE_IN_USE',
        `the embedded database in ${dir} is open in another process (pid ${String(owner)}); stop it first (one process at a time: several need PostgreSQL, PLUGBOARD_DATABASE_URL)`,
      );
    }
    await rm(file, { force: true });
  }
  throw new PlatformError(
    'PLAT_DATABASE_IN_USE',
    `cannot lock the embedded database in ${dir}: another process is opening it at the same time`,
  );
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    // EPERM: it exists, run by someone else.
    return (error as { code?: unknown }).code === 'EPERM';
  }
}
