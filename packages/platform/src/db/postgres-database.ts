/**
 * @module PostgreSQL through node-postgres' pool, for deployments that run the worker as its own
 * process or several platform replicas. Every call is bounded in time: a database that is down
 * or frozen answers `PLAT_DATABASE_UNAVAILABLE` instead of holding a request open.
 */
import pg from 'pg';
import { PlatformError } from '../errors.ts';
import type { Database, Queryable } from './database.ts';
import { coded } from './database-failures.ts';

const WHERE = 'PostgreSQL at PLUGBOARD_DATABASE_URL';

/** `timeoutMs` bounds every connection and statement; 0 bounds none (for migrations). */
export function openPostgresDatabase(url: string, timeoutMs = 10_000): Database {
  const pool = new pg.Pool({
    connectionString: url,
    max: 10,
    connectionTimeoutMillis: timeoutMs,
    // Bounded on both ends: the client stops waiting, and the server stops working on it.
    query_timeout: timeoutMs,
    statement_timeout: timeoutMs,
    keepAlive: true,
  });
  // An idle client losing its connection must not crash the process; the pool replaces it.
  pool.on('error', () => undefined);
  const queryable = (client: Pick<pg.Pool, 'query'>): Queryable => ({
    query: async <Row>(text: string, params: readonly unknown[] = []) =>
      (await coded(WHERE, () => client.query(text, [...params]))).rows as Row[],
  });
  return {
    kind: 'postgres',
    ...queryable(pool),
    transaction: async (work) => {
      const client = await coded(WHERE, () => pool.connect());
      let broken: Error | undefined;
      try {
        await coded(WHERE, () => client.query('BEGIN'));
        const result = await work(queryable(client));
        await coded(WHERE, () => client.query('COMMIT'));
        return result;
      } catch (error) {
        if (isUnavailable(error)) {
          // A connection that failed or timed out is not given to anyone else.
          broken = error as Error;
        } else {
          await client.query('ROLLBACK').catch((rollbackError: unknown) => {
            broken = rollbackError as Error;
          });
        }
        throw error;
      } finally {
        client.release(broken);
      }
    },
    exec: async (script) => {
      await coded(WHERE, () => pool.query(script));
    },
    close: () => pool.end(),
  };
}

function isUnavailable(error: unknown): boolean {
  return error instanceof PlatformError && error.code === 'PLAT_DATABASE_UNAVAILABLE';
}
