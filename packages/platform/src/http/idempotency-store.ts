/**
 * @module The first answer to each `Idempotency-Key`, kept in the database so every platform
 * process sees it: a key is claimed before its request runs, completed with the answer, or
 * released when the request failed for a reason a retry may not meet (a 5xx).
 */
import type { Database } from '../db/database.ts';

/** How long a key and its answer are kept: a retry comes within this or is a new request. */
const KEY_RETENTION_MS = 24 * 60 * 60 * 1000;

export type KeyClaim =
  | { readonly kind: 'claimed' }
  | { readonly kind: 'in-progress' }
  | { readonly kind: 'mismatch' }
  | {
      readonly kind: 'answered';
      readonly statusCode: number;
      readonly contentType: string | undefined;
      readonly body: string;
    };

export interface KeyRef {
  /** The method and route the key was used on: the same key on another route is another key. */
  readonly scope: string;
  readonly key: string;
}

interface KeyRow {
  request_hash: string;
  status_code: number | null;
  content_type: string | null;
  body: string | null;
}

export class IdempotencyStore {
  readonly #db: Database;
  readonly #staleAfterMs: number;

  /**
   * @param staleAfterMs A claim with no answer this old belongs to a request that will never
   * answer (its process died); a retry may take it over.
   */
  constructor(db: Database, staleAfterMs: number) {
    this.#db = db;
    this.#staleAfterMs = staleAfterMs;
  }

  async claim(ref: KeyRef, requestHash: string): Promise<KeyClaim> {
    const { scope, key } = ref;
    const retention = `${String(KEY_RETENTION_MS)} milliseconds`;
    await this.#db.query(`DELETE FROM idempotency_keys WHERE created_at < now() - $1::interval`, [
      retention,
    ]);
    const inserted = await this.#db.query(
      `INSERT INTO idempotency_keys (scope, key, request_hash) VALUES ($1, $2, $3)
       ON CONFLICT (scope, key) DO NOTHING RETURNING key`,
      [scope, key, requestHash],
    );
    if (inserted.length > 0) {
      return { kind: 'claimed' };
    }
    const [row] = await this.#db.query<KeyRow>(
      `SELECT request_hash, status_code, content_type, body FROM idempotency_keys
       WHERE scope = $1 AND key = $2`,
      [scope, key],
    );
    if (row === undefined) {
      // Released between the insert and the read: claim it now.
      return this.claim(ref, requestHash);
    }
    if (row.request_hash !== requestHash) {
      return { kind: 'mismatch' };
    }
    if (row.status_code !== null && row.body !== null) {
      return {
        kind: 'answered',
        statusCode: row.status_code,
        contentType: row.content_type ?? undefined,
        body: row.body,
      };
    }
    const taken = await this.#db.query(
      `UPDATE idempotency_keys SET created_at = now()
       WHERE scope = $1 AND key = $2 AND status_code IS NULL
         AND created_at < now() - $3::interval
       RETURNING key`,
      [scope, key, `${String(this.#staleAfterMs)} milliseconds`],
    );
    return taken.length > 0 ? { kind: 'claimed' } : { kind: 'in-progress' };
  }

  async complete(
    ref: KeyRef,
    answer: { statusCode: number; contentType: string | undefined; body: string },
  ): Promise<void> {
    await this.#db.query(
      `UPDATE idempotency_keys SET status_code = $3, content_type = $4, body = $5
       WHERE scope = $1 AND key = $2`,
      [ref.scope, ref.key, answer.statusCode, answer.contentType ?? null, answer.body],
    );
  }

  async release(ref: KeyRef): Promise<void> {
    await this.#db.query(
      `DELETE FROM idempotency_keys WHERE scope = $1 AND key = $2 AND status_code IS NULL`,
      [ref.scope, ref.key],
    );
  }
}
