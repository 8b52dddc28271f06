/**
 * @module A secret key rotation: every sealed value not yet under PLUGBOARD_SECRET_KEY is opened
 * (under a key of PLUGBOARD_SECRET_KEY_PREVIOUS) and sealed again under it, column by column, in
 * batches of rows taken in id order and locked, one transaction each. What a value is sealed
 * under is in the value (its key id), so the data itself is the rotation's progress: a run that
 * stops, or crashes mid-batch (that batch rolls back, still under its old key, which still
 * opens it), is resumed by running again, and a run over rotated data changes nothing. A value
 * no known key opens is left as it is and reported with its record. Rows are locked only for
 * their batch, so a platform may go on serving meanwhile; `updated_at` is not touched.
 */
import type { SecretRotationConfig } from '../config.ts';
import type { Database, Queryable } from '../db/database.ts';
import { openDatabase } from '../db/open-database.ts';
import { PlatformError } from '../errors.ts';
import { SEALED_COLUMNS, type SealedColumn } from './sealed-columns.ts';
import { createSecretBox, type SecretBox, type UnreadableProblem } from './secret-box.ts';

export const DEFAULT_ROTATION_BATCH = 100;

export interface RotationProgress {
  readonly what: string;
  readonly table: string;
  readonly column: string;
  /** Values of the column gone through in this run… */
  readonly done: number;
  /** …of those not under PLUGBOARD_SECRET_KEY when it began with the column. */
  readonly total: number;
}

/** A value no known key opens: left as it was. */
export interface UnreadableValue {
  readonly what: string;
  readonly table: string;
  readonly column: string;
  readonly id: string;
  /** The record, as an operator finds it (`plugin acme`, `credential cred_… (acme github "work")`). */
  readonly record: string;
  /** The key it names; undefined for a value sealed before key ids. */
  readonly keyId: string | undefined;
  readonly problem: UnreadableProblem;
  readonly reason: string;
}

export interface ColumnReport {
  readonly what: string;
  readonly table: string;
  readonly column: string;
  /** Sealed values in the column when the run began with it. */
  readonly values: number;
  readonly reencrypted: number;
  /** Values not under PLUGBOARD_SECRET_KEY when the run ended. */
  readonly remaining: number;
}

export interface RotationReport {
  readonly keyId: string;
  readonly previousKeyIds: readonly string[];
  readonly columns: readonly ColumnReport[];
  readonly reencrypted: number;
  /** Values not under PLUGBOARD_SECRET_KEY when the run ended, unreadable ones included. */
  readonly remaining: number;
  /** Those values by the key id they name (`v1` for values sealed before key ids). */
  readonly remainingByKey: Readonly<Record<string, number>>;
  readonly unreadable: readonly UnreadableValue[];
  /** Stopped by its signal before every column was gone through. */
  readonly interrupted: boolean;
}

export interface RotationOptions {
  /** Rows per transaction. */
  readonly batchSize?: number;
  /** After each batch is committed. */
  readonly onProgress?: (progress: RotationProgress) => void;
  /** Stops the run after the batch in progress. */
  readonly signal?: AbortSignal;
  readonly columns?: readonly SealedColumn[];
}

/** Opens the configured database and rotates it; for `plugboard secrets rotate`. */
export async function rotateSecretKey(
  config: SecretRotationConfig,
  options: RotationOptions = {},
): Promise<RotationReport> {
  const db = await openDatabase(config);
  try {
    return await rotateSealedValues(
      db,
      createSecretBox(config.secretKey, config.secretKeyPrevious),
      options,
    );
  } finally {
    await db.close();
  }
}

export async function rotateSealedValues(
  db: Database,
  box: SecretBox,
  options: RotationOptions = {},
): Promise<RotationReport> {
  const batchSize = options.batchSize ?? DEFAULT_ROTATION_BATCH;
  const columns: ColumnReport[] = [];
  const unreadable: UnreadableValue[] = [];
  const remainingByKey: Record<string, number> = {};
  let interrupted = false;
  for (const column of options.columns ?? SEALED_COLUMNS) {
    const before = await countColumn(db, column, box);
    let reencrypted = 0;
    let done = 0;
    let after: string | null = null;
    while (!interrupted) {
      if (options.signal?.aborted === true) {
        interrupted = true;
        break;
      }
      const batch = await db.transaction((tx) =>
        rotateBatch(tx, box, { column, after, size: batchSize }),
      );
      if (batch.rows === 0) {
        break;
      }
      after = batch.last;
      done += batch.rows;
      reencrypted += batch.reencrypted;
      unreadable.push(...batch.unreadable);
      options.onProgress?.({ ...names(column), done, total: before.remaining });
    }
    const end = await countColumn(db, column, box);
    for (const [keyId, count] of Object.entries(end.byKey)) {
      remainingByKey[keyId] = (remainingByKey[keyId] ?? 0) + count;
    }
    columns.push({
      ...names(column),
      values: before.values,
      reencrypted,
      remaining: end.remaining,
    });
  }
  return {
    keyId: box.keyId,
    previousKeyIds: box.previousKeyIds,
    columns,
    reencrypted: columns.reduce((sum, c) => sum + c.reencrypted, 0),
    remaining: columns.reduce((sum, c) => sum + c.remaining, 0),
    remainingByKey,
    unreadable,
    interrupted,
  };
}

async function rotateBatch(
  tx: Queryable,
  box: SecretBox,
  page: { column: SealedColumn; after: string | null; size: number },
): Promise<{
  rows: number;
  last: string | null;
  reencrypted: number;
  unreadable: UnreadableValue[];
}> {
  const { column } = page;
  const { table, column: name } = column;
  // Only values under another key: what a previous run re-encrypted is not read again.
  const rows = await tx.query<{ id: string; sealed: string; record: string }>(
    `SELECT id, ${name} AS sealed, ${column.recordSql} AS record FROM ${table}
      WHERE ${name} IS NOT NULL AND NOT starts_with(${name}, $1) AND ($2::text IS NULL OR id > $2)
      ORDER BY id LIMIT $3 FOR UPDATE`,
    [box.currentPrefix, page.after, page.size],
  );
  const ids: string[] = [];
  const values: string[] = [];
  const unreadable: UnreadableValue[] = [];
  for (const row of rows) {
    try {
      const resealed = box.reseal(row.sealed, column.purpose(row.id));
      if (resealed !== undefined) {
        ids.push(row.id);
        values.push(resealed);
      }
    } catch (error) {
      if (!(error instanceof PlatformError) || error.code !== 'PLAT_SECRET_UNREADABLE') {
        throw error;
      }
      unreadable.push({
        ...names(column),
        id: row.id,
        record: row.record,
        keyId: box.keyIdOf(row.sealed),
        problem: (error.details?.['problem'] as UnreadableProblem | undefined) ?? 'unknown-format',
        reason: error.message,
      });
    }
  }
  if (ids.length > 0) {
    await tx.query(
      `UPDATE ${table} AS t SET ${name} = v.sealed
         FROM unnest($1::text[], $2::text[]) AS v(id, sealed) WHERE t.id = v.id`,
      [ids, values],
    );
  }
  return { rows: rows.length, last: rows.at(-1)?.id ?? null, reencrypted: ids.length, unreadable };
}

/** The column's sealed values, and those not under the current key by the key id they name. */
async function countColumn(
  db: Queryable,
  column: SealedColumn,
  box: SecretBox,
): Promise<{ values: number; remaining: number; byKey: Record<string, number> }> {
  const { table, column: name } = column;
  const rows = await db.query<{ key_id: string; current: boolean; n: number }>(
    `SELECT CASE WHEN starts_with(${name}, 'v2.') THEN split_part(${name}, '.', 2)
                 WHEN starts_with(${name}, 'v1.') THEN 'v1' ELSE 'unknown format' END AS key_id,
            starts_with(${name}, $1) AS current, count(*)::int AS n
       FROM ${table} WHERE ${name} IS NOT NULL GROUP BY 1, 2`,
    [box.currentPrefix],
  );
  const byKey: Record<string, number> = {};
  for (const row of rows.filter((r) => !r.current)) {
    byKey[row.key_id] = (byKey[row.key_id] ?? 0) + row.n;
  }
  return {
    values: rows.reduce((sum, r) => sum + r.n, 0),
    remaining: rows.filter((r) => !r.current).reduce((sum, r) => sum + r.n, 0),
    byKey,
  };
}

function names(column: SealedColumn): { what: string; table: string; column: string } {
  return { what: column.what, table: column.table, column: column.column };
}
