/**
 * @module Which files a run may read through the file bridge: the files given to it as inputs
 * and the ones its nodes stored. A call token names a run; this table is what it unlocks.
 */
import type { Queryable } from '../db/database.ts';

export async function grantRunFile(db: Queryable, runId: string, fileId: string): Promise<void> {
  await db.query('INSERT INTO run_files (run_id, file_id) VALUES ($1, $2) ON CONFLICT DO NOTHING', [
    runId,
    fileId,
  ]);
}

export async function runMayRead(db: Queryable, runId: string, fileId: string): Promise<boolean> {
  const rows = await db.query('SELECT 1 FROM run_files WHERE run_id = $1 AND file_id = $2', [
    runId,
    fileId,
  ]);
  return rows.length > 0;
}

/**
 * A package uploaded to install a plugin from (`{ type: 'upload', fileId }`): the Plugin Server
 * fetches it with its key alone, outside any run, while the plugin is still to be installed.
 */
export async function isPluginPackage(db: Queryable, fileId: string): Promise<boolean> {
  const rows = await db.query(
    `SELECT 1 FROM plugins
      WHERE status <> 'uninstalled'
        AND ((source->>'type' = 'upload' AND source->>'fileId' = $1)
          OR (staged_source->>'type' = 'upload' AND staged_source->>'fileId' = $1))`,
    [fileId],
  );
  return rows.length > 0;
}
