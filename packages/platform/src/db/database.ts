/**
 * @module The one SQL dialect the platform speaks: PostgreSQL's, whether the database is the
 * embedded PGlite or a PostgreSQL server. Repositories see only this port.
 */

export interface Queryable {
  /** Runs one statement with `$1…` parameters; JSON goes in as text cast with `::jsonb`. */
  query<Row = Record<string, unknown>>(text: string, params?: readonly unknown[]): Promise<Row[]>;
}

export interface Database extends Queryable {
  readonly kind: 'pglite' | 'postgres';
  /** Runs `work` in one transaction: committed when it resolves, rolled back when it throws. */
  transaction<T>(work: (tx: Queryable) => Promise<T>): Promise<T>;
  /** Runs several statements separated by `;` (migrations). */
  exec(script: string): Promise<void>;
  close(): Promise<void>;
}
