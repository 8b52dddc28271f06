/**
 * @module The embedded database: PGlite (PostgreSQL compiled to WebAssembly) in a folder, so
 * the platform needs no database server by default. One process may open the folder at a time.
 */
import { mkdir } from 'node:fs/promises';
import { PGlite } from '@electric-sql/pglite';
import type { Database, Queryable } from './database.ts';
import { coded } from './database-failures.ts';

const WHERE = 'the embedded database';

export async function openPgliteDatabase(dir: string | undefined): Promise<Database> {
  if (dir !== undefined) {
    await mkdir(dir, { recursive: true });
  }
  const db = await PGlite.create(dir === undefined ? undefined : { dataDir: dir });
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
    close: () => db.close(),
  };
}
