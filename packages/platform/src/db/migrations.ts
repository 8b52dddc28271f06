/**
 * @module Versioned schema migrations, applied in order at start inside one transaction that
 * holds an advisory lock, so a platform and a worker starting together apply each exactly once.
 * A migration, once released, never changes: add a new one.
 */
import type { Database } from './database.ts';

export interface Migration {
  readonly version: number;
  readonly name: string;
  readonly sql: string;
}

export const MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    name: 'plugins, workflows, runs, files, credentials',
    sql: `
CREATE TABLE plugins (
  id text PRIMARY KEY,
  status text NOT NULL,
  source jsonb NOT NULL,
  source_secret text,
  version text,
  config_sealed text,
  manifest jsonb,
  reason text,
  log_tail jsonb,
  restarts integer NOT NULL DEFAULT 0,
  last_sequence integer NOT NULL DEFAULT 0,
  last_epoch bigint NOT NULL DEFAULT 0,
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE workflows (
  id text PRIMARY KEY,
  name text NOT NULL,
  description text NOT NULL DEFAULT '',
  graph jsonb NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE runs (
  id text PRIMARY KEY,
  workflow_id text NOT NULL REFERENCES workflows (id) ON DELETE CASCADE,
  graph jsonb NOT NULL,
  status text NOT NULL,
  inputs jsonb NOT NULL,
  outputs jsonb,
  error jsonb,
  cancel_requested boolean NOT NULL DEFAULT false,
  worker_id text,
  heartbeat_at timestamptz,
  created_at timestamptz NOT NULL DEFAULT now(),
  started_at timestamptz,
  finished_at timestamptz
);
CREATE INDEX runs_queue ON runs (created_at) WHERE status = 'queued';
CREATE INDEX runs_by_workflow ON runs (workflow_id, created_at DESC);

CREATE TABLE node_runs (
  run_id text NOT NULL REFERENCES runs (id) ON DELETE CASCADE,
  node_id text NOT NULL,
  status text NOT NULL,
  inputs jsonb,
  outputs jsonb,
  error jsonb,
  started_at timestamptz,
  finished_at timestamptz,
  duration_ms double precision,
  PRIMARY KEY (run_id, node_id)
);

CREATE TABLE run_events (
  id integer GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  run_id text NOT NULL REFERENCES runs (id) ON DELETE CASCADE,
  type text NOT NULL,
  data jsonb NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX run_events_by_run ON run_events (run_id, id);

CREATE TABLE files (
  id text PRIMARY KEY,
  name text NOT NULL,
  content_type text NOT NULL,
  size bigint NOT NULL,
  sha256 text NOT NULL,
  created_by text NOT NULL,
  run_id text REFERENCES runs (id) ON DELETE SET NULL,
  created_at timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE run_files (
  run_id text NOT NULL REFERENCES runs (id) ON DELETE CASCADE,
  file_id text NOT NULL REFERENCES files (id) ON DELETE CASCADE,
  PRIMARY KEY (run_id, file_id)
);

CREATE TABLE credentials (
  id text PRIMARY KEY,
  plugin_id text NOT NULL,
  integration text NOT NULL,
  name text NOT NULL,
  secret text NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now(),
  UNIQUE (plugin_id, integration, name)
);
`,
  },
  {
    version: 2,
    name: 'what confines each plugin process',
    sql: `ALTER TABLE plugins ADD COLUMN sandbox jsonb`,
  },
  {
    version: 3,
    name: 'what the operator grants each plugin (network, child processes)',
    sql: `ALTER TABLE plugins ADD COLUMN granted jsonb NOT NULL DEFAULT '{}'::jsonb`,
  },
  {
    version: 4,
    name: 'the first answer to each Idempotency-Key',
    sql: `
CREATE TABLE idempotency_keys (
  scope text NOT NULL,
  key text NOT NULL,
  request_hash text NOT NULL,
  status_code integer,
  content_type text,
  body text,
  created_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (scope, key)
);
CREATE INDEX idempotency_keys_created ON idempotency_keys (created_at)
`,
  },
  {
    version: 5,
    name: "each plugin's installed versions, with their manifests, and the source of one staged",
    sql: `ALTER TABLE plugins ADD COLUMN versions jsonb;
ALTER TABLE plugins ADD COLUMN staged_source jsonb;
ALTER TABLE plugins ADD COLUMN nodes_hash text;
UPDATE plugins SET nodes_hash = md5(manifest->>'contentHash') WHERE manifest IS NOT NULL`,
  },
];

/** Any fixed number: the lock only has to be the same in every process of this platform. */
const MIGRATION_LOCK = 7_001_001;

export async function migrate(
  db: Database,
  migrations: readonly Migration[] = MIGRATIONS,
): Promise<{ applied: number[] }> {
  return db.transaction(async (tx) => {
    await tx.query('SELECT pg_advisory_xact_lock($1)', [MIGRATION_LOCK]);
    await tx.query(
      `CREATE TABLE IF NOT EXISTS schema_migrations (
         version integer PRIMARY KEY,
         name text NOT NULL,
         applied_at timestamptz NOT NULL DEFAULT now()
       )`,
    );
    const done = new Set(
      (await tx.query<{ version: number }>('SELECT version FROM schema_migrations')).map(
        (r) => r.version,
      ),
    );
    const applied: number[] = [];
    for (const migration of [...migrations].sort((a, b) => a.version - b.version)) {
      if (done.has(migration.version)) {
        continue;
      }
      // Statements one by one: the extended protocol that query() uses takes one at a time.
      for (const statement of migration.sql.split(/;\s*\n/).map((s) => s.trim())) {
        if (statement !== '') {
          await tx.query(statement);
        }
      }
      await tx.query('INSERT INTO schema_migrations (version, name) VALUES ($1, $2)', [
        migration.version,
        migration.name,
      ]);
      applied.push(migration.version);
    }
    return { applied };
  });
}
