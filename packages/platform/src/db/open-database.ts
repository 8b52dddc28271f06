/**
 * @module Opens the configured database (PostgreSQL when a URL is given, else PGlite in the data
 * folder) and brings its schema up to date.
 */
import { join } from 'node:path';
import type { PlatformConfig } from '../config.ts';
import { PlatformError } from '../errors.ts';
import type { Database } from './database.ts';
import { migrate } from './migrations.ts';
import { openPgliteDatabase } from './pglite-database.ts';
import { openPostgresDatabase } from './postgres-database.ts';

export async function openDatabase(
  config: Pick<PlatformConfig, 'databaseUrl' | 'dataDir' | 'databaseTimeoutMs'>,
): Promise<Database> {
  const db =
    config.databaseUrl === undefined
      ? await openPgliteDatabase(join(config.dataDir, 'db'))
      : openPostgresDatabase(config.databaseUrl, config.databaseTimeoutMs);
  try {
    if (config.databaseUrl === undefined) {
      await migrate(db);
    } else {
      // Not bounded like a request: a migration may wait for another replica's lock, or build
      // an index on a large table.
      const migrator = openPostgresDatabase(config.databaseUrl, 0);
      try {
        await migrate(migrator);
      } finally {
        await migrator.close();
      }
    }
  } catch (error) {
    await db.close().catch(() => undefined);
    const where =
      config.databaseUrl === undefined
        ? `the embedded database in ${join(config.dataDir, 'db')} (is another platform using it?)`
        : 'PostgreSQL at PLUGBOARD_DATABASE_URL (is it running and reachable?)';
    throw new PlatformError(
      'PLAT_DATABASE_UNAVAILABLE',
      `cannot open ${where}: ${(error as Error).message}`,
      { cause: error },
    );
  }
  return db;
}
