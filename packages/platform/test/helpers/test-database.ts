// A migrated database for one test file: in-memory PGlite, or a fresh database on the local
// PostgreSQL (trust auth as `postgres`; override with PLUGBOARD_TEST_POSTGRES_URL), dropped after.
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import type { Database } from '../../src/db/database.ts';
import { migrate } from '../../src/db/migrations.ts';
import { openPgliteDatabase } from '../../src/db/pglite-database.ts';
import { openPostgresDatabase } from '../../src/db/postgres-database.ts';

export type TestDatabaseKind = 'pglite' | 'postgres';

export interface TestDatabase {
  readonly db: Database;
  readonly cleanup: () => Promise<void>;
}

export const TEST_DATABASE_KINDS: readonly TestDatabaseKind[] = ['pglite', 'postgres'];

const ADMIN_URL =
  process.env['PLUGBOARD_TEST_POSTGRES_URL'] ?? 'postgres://postgres@127.0.0.1:5432/postgres';

export async function openTestDatabase(kind: TestDatabaseKind): Promise<TestDatabase> {
  if (kind === 'pglite') {
    const db = await openPgliteDatabase(undefined);
    await migrate(db);
    return { db, cleanup: () => db.close() };
  }
  const name = `plugboard_t_${String(process.pid)}_${randomBytes(4).toString('hex')}`;
  await admin(`CREATE DATABASE ${name}`);
  const url = new URL(ADMIN_URL);
  url.pathname = `/${name}`;
  const db = openPostgresDatabase(url.toString());
  try {
    await migrate(db);
  } catch (error) {
    await db.close();
    await admin(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
    throw error;
  }
  return {
    db,
    cleanup: async () => {
      await db.close();
      await admin(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
    },
  };
}

async function admin(statement: string): Promise<void> {
  const client = new pg.Client({ connectionString: ADMIN_URL });
  await client.connect();
  try {
    await client.query(statement);
  } finally {
    await client.end();
  }
}

/** A workflow and a queued run of it, for rows that must point at a run (files, call tokens). */
export async function insertRun(db: Database, runId: string): Promise<void> {
  const workflowId = `wf_${runId}`;
  await db.query(
    `INSERT INTO workflows (id, name, graph) VALUES ($1, $1, '{}'::jsonb) ON CONFLICT DO NOTHING`,
    [workflowId],
  );
  await db.query(
    `INSERT INTO runs (id, workflow_id, graph, status, inputs)
     VALUES ($1, $2, '{}'::jsonb, 'running', '{}'::jsonb)`,
    [runId, workflowId],
  );
}
