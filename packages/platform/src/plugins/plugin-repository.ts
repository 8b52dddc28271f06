/**
 * @module Plugin records in the database. Git tokens and the plugin config are sealed with the
 * SecretBox before they are written; reads open them only where the Plugin Server needs them.
 */
import type { Manifest, PluginStatus } from '@plugboard/protocol';
import type {
  InstalledVersion,
  PluginGrant,
  PluginSource,
  SandboxReport,
  StatusEvent,
} from '@plugboard/server-api';
import type { Queryable } from '../db/database.ts';
import { gitTokenPurpose, pluginConfigPurpose } from '../secrets/sealed-columns.ts';
import type { SecretBox } from '../secrets/secret-box.ts';
import type { PluginRecord } from './plugin-record.ts';

interface PluginRow {
  id: string;
  status: PluginStatus;
  source: PluginSource;
  source_secret: string | null;
  version: string | null;
  config_sealed: string | null;
  manifest: Manifest | null;
  versions: InstalledVersion[] | null;
  sandbox: SandboxReport | null;
  granted: PluginGrant;
  reason: string | null;
  log_tail: string[] | null;
  restarts: number;
  last_sequence: number;
  created_at: Date;
  updated_at: Date;
}

/** The sealed parts of a row, and what opening them needs. */
type Sealed = Pick<PluginRow, 'id' | 'source' | 'source_secret' | 'config_sealed'>;

export interface NewPlugin {
  readonly id: string;
  readonly source: PluginSource;
  readonly version?: string | undefined;
  readonly config: Record<string, unknown>;
  readonly grant: PluginGrant;
}

/**
 * Changes whenever the current manifest, or any installed version's state or manifest, does; not
 * when only whether a version's process runs does (the registry does not depend on that).
 * Computed as each status webhook is applied and kept in `nodes_hash`, so the read every run
 * makes never opens the versions' manifests.
 */
const NODES_HASH = `md5((manifest->>'contentHash') || COALESCE((
  SELECT string_agg((v->>'version') || ' ' || (v->>'state') || ' ' || (v->'manifest'->>'contentHash'), ',')
    FROM jsonb_array_elements(versions) AS v), ''))`;

/** What applying a status webhook did. */
export type StatusOutcome = 'applied' | 'stale' | 'unknown-plugin' | 'ignored';

export class PluginRepository {
  readonly #db: Queryable;
  readonly #box: SecretBox;

  constructor(db: Queryable, box: SecretBox) {
    this.#db = db;
    this.#box = box;
  }

  async list(): Promise<PluginRecord[]> {
    return (await this.#db.query<PluginRow>('SELECT * FROM plugins ORDER BY id')).map(toRecord);
  }

  async get(id: string): Promise<PluginRecord | undefined> {
    const rows = await this.#db.query<PluginRow>('SELECT * FROM plugins WHERE id = $1', [id]);
    return rows[0] === undefined ? undefined : toRecord(rows[0]);
  }

  /**
   * Records whose nodes belong in the registry: known manifest, and configured (a plugin waiting
   * for its config has its manifest, for the form, but its nodes cannot run yet). Only a hash of
   * each one's manifests (the current one's and every installed version's): the registry reads
   * the manifests only when the hash is new to it.
   */
  async nodeVersions(): Promise<{ id: string; hash: string }[]> {
    return this.#db.query<{ id: string; hash: string }>(
      `SELECT id, nodes_hash AS hash FROM plugins
        WHERE manifest IS NOT NULL AND nodes_hash IS NOT NULL
          AND status NOT IN ('missing_config', 'uninstalling', 'uninstalled') ORDER BY id`,
    );
  }

  /** The manifests of these records (of those that still have one), with the same hash. */
  async manifests(
    ids: readonly string[],
  ): Promise<{ id: string; hash: string; manifest: Manifest; versions: InstalledVersion[] }[]> {
    return this.#db.query(
      `SELECT id, nodes_hash AS hash, manifest, COALESCE(versions, '[]'::jsonb) AS versions
         FROM plugins WHERE id = ANY($1::text[]) AND manifest IS NOT NULL AND nodes_hash IS NOT NULL`,
      [ids],
    );
  }

  /** Creates the record `installing`, or revives an `uninstalled` one; undefined when it exists. */
  async create(plugin: NewPlugin): Promise<'created' | 'revived' | undefined> {
    const sealed = this.#sealParts(plugin.id, plugin.source, plugin.config);
    const rows = await this.#db.query<{ inserted: boolean }>(
      `INSERT INTO plugins (id, status, source, source_secret, version, config_sealed, granted)
       VALUES ($1, 'installing', $2::jsonb, $3, $4, $5, $6::jsonb)
       ON CONFLICT (id) DO UPDATE SET
         status = 'installing', source = EXCLUDED.source, source_secret = EXCLUDED.source_secret,
         version = EXCLUDED.version, config_sealed = EXCLUDED.config_sealed, granted = EXCLUDED.granted,
         manifest = NULL, sandbox = NULL, versions = NULL, staged_source = NULL,
         reason = NULL, log_tail = NULL, restarts = 0, created_at = now(), updated_at = now()
       WHERE plugins.status = 'uninstalled'
       RETURNING (xmax = 0) AS inserted`,
      [
        plugin.id,
        JSON.stringify(sealed.source),
        sealed.token,
        plugin.version ?? null,
        sealed.config,
        JSON.stringify(plugin.grant),
      ],
    );
    const row = rows[0];
    return row === undefined ? undefined : row.inserted ? 'created' : 'revived';
  }

  async delete(id: string): Promise<void> {
    await this.#db.query('DELETE FROM plugins WHERE id = $1', [id]);
  }

  async setSource(id: string, source: PluginSource, version: string | undefined): Promise<void> {
    const sealed = this.#sealParts(id, source, {});
    await this.#db.query(
      `UPDATE plugins SET source = $2::jsonb, source_secret = $3, version = $4, staged_source = NULL,
              updated_at = now()
        WHERE id = $1`,
      [id, JSON.stringify(sealed.source), sealed.token, version ?? null],
    );
  }

  /**
   * The source of a version being installed beside the current one (without a git token): not
   * desired yet, but its uploaded package may be fetched by the Plugin Server.
   */
  async setStagedSource(id: string, source: PluginSource): Promise<void> {
    const sealed = this.#sealParts(id, source, {});
    await this.#db.query('UPDATE plugins SET staged_source = $2::jsonb WHERE id = $1', [
      id,
      JSON.stringify(sealed.source),
    ]);
  }

  /** The version wanted current, the source kept as it is. */
  async setVersion(id: string, version: string): Promise<void> {
    await this.#db.query('UPDATE plugins SET version = $2, updated_at = now() WHERE id = $1', [
      id,
      version,
    ]);
  }

  async setConfig(id: string, config: Record<string, unknown>): Promise<void> {
    await this.#db.query(
      'UPDATE plugins SET config_sealed = $2, updated_at = now() WHERE id = $1',
      [id, this.#box.seal(config, pluginConfigPurpose(id))],
    );
  }

  async setGrant(id: string, grant: PluginGrant): Promise<void> {
    await this.#db.query(
      'UPDATE plugins SET granted = $2::jsonb, updated_at = now() WHERE id = $1',
      [id, JSON.stringify(grant)],
    );
  }

  async setStatus(id: string, status: PluginStatus, reason?: string): Promise<void> {
    await this.#db.query(
      `UPDATE plugins SET status = $2, reason = $3, updated_at = now(),
              manifest = CASE WHEN $2 IN ('uninstalling', 'uninstalled') THEN NULL ELSE manifest END,
              versions = CASE WHEN $2 IN ('uninstalling', 'uninstalled') THEN NULL ELSE versions END,
              sandbox = CASE WHEN $2 IN ('uninstalling', 'uninstalled') THEN NULL ELSE sandbox END
        WHERE id = $1`,
      [id, status, reason ?? null],
    );
  }

  /**
   * Applies a verified status webhook unless it is not newer than the last one applied: newer
   * means a greater (epoch, sequence), and each start of a Plugin Server takes a later epoch.
   * While the record is being uninstalled only `uninstalled` moves it on: the user asked for
   * removal, and a late `running` from an install that raced the uninstall must not bring the
   * nodes back.
   */
  async applyStatus(event: StatusEvent): Promise<StatusOutcome> {
    const rows = await this.#db.query<{ outcome: StatusOutcome }>(
      `WITH current AS (SELECT id, status, last_sequence, last_epoch FROM plugins WHERE id = $1 FOR UPDATE),
       updated AS (
         UPDATE plugins p SET
           status = $2,
           last_sequence = $3,
           last_epoch = $9::bigint,
           version = COALESCE($4, p.version),
           reason = $5,
           log_tail = $6::jsonb,
           restarts = COALESCE($7, p.restarts),
           versions = CASE
             WHEN $2 IN ('uninstalling', 'uninstalled') THEN NULL
             ELSE COALESCE($11::jsonb, p.versions) END,
           manifest = CASE
             WHEN $2 IN ('uninstalling', 'uninstalled') THEN NULL
             WHEN $2 IN ('running', 'missing_config') AND $8::jsonb IS NOT NULL THEN $8::jsonb
             ELSE p.manifest END,
           sandbox = CASE
             WHEN $2 IN ('uninstalling', 'uninstalled') THEN NULL
             WHEN $2 IN ('running', 'missing_config') AND $10::jsonb IS NOT NULL THEN $10::jsonb
             ELSE p.sandbox END,
           updated_at = now()
         FROM current c
         WHERE p.id = c.id
           AND ($9::bigint > c.last_epoch OR ($9::bigint = c.last_epoch AND $3 > c.last_sequence))
           AND c.status <> 'uninstalled'
           AND (c.status <> 'uninstalling' OR $2 = 'uninstalled')
           AND ($2 <> 'uninstalled' OR c.status = 'uninstalling')
         RETURNING p.id)
       SELECT CASE
         WHEN NOT EXISTS (SELECT 1 FROM current) THEN 'unknown-plugin'
         WHEN EXISTS (SELECT 1 FROM updated) THEN 'applied'
         WHEN NOT (SELECT $9::bigint > last_epoch OR ($9::bigint = last_epoch AND $3 > last_sequence)
                     FROM current)
           THEN 'stale'
         ELSE 'ignored' END AS outcome`,
      [
        event.pluginId,
        event.status,
        event.sequence,
        event.version ?? null,
        event.reason ?? null,
        event.logTail === undefined ? null : JSON.stringify(event.logTail),
        event.restarts ?? null,
        event.manifest === undefined ? null : JSON.stringify(event.manifest),
        event.epoch,
        event.sandbox === undefined ? null : JSON.stringify(event.sandbox),
        event.versions === undefined ? null : JSON.stringify(event.versions),
      ],
    );
    const outcome = rows[0]?.outcome ?? 'unknown-plugin';
    if (outcome === 'applied') {
      await this.#db.query(`UPDATE plugins SET nodes_hash = ${NODES_HASH} WHERE id = $1`, [
        event.pluginId,
      ]);
    }
    return outcome;
  }

  /** The plugin config, opened. */
  async config(id: string): Promise<Record<string, unknown>> {
    const rows = await this.#db.query<Sealed>(
      'SELECT id, source, source_secret, config_sealed FROM plugins WHERE id = $1',
      [id],
    );
    return rows[0] === undefined ? {} : this.#openConfig(rows[0]);
  }

  /** The source with its git token, for the Plugin Server. */
  async fullSource(id: string): Promise<PluginSource | undefined> {
    const rows = await this.#db.query<Sealed>(
      'SELECT id, source, source_secret, config_sealed FROM plugins WHERE id = $1',
      [id],
    );
    return rows[0] === undefined ? undefined : this.#openSource(rows[0]);
  }

  /**
   * Every record not fully removed, with its source and config opened: the desired state, read
   * in one query however many plugins there are.
   */
  async desired(): Promise<
    { record: PluginRecord; source: PluginSource; config: Record<string, unknown> }[]
  > {
    const rows = await this.#db.query<PluginRow>(
      "SELECT * FROM plugins WHERE status <> 'uninstalled' ORDER BY id",
    );
    return rows.map((row) => ({
      record: toRecord(row),
      source: this.#openSource(row),
      config: this.#openConfig(row),
    }));
  }

  #openConfig(row: Sealed): Record<string, unknown> {
    return row.config_sealed === null
      ? {}
      : (this.#box.open(row.config_sealed, pluginConfigPurpose(row.id)) as Record<string, unknown>);
  }

  #openSource(row: Sealed): PluginSource {
    if (row.source.type !== 'git' || row.source_secret === null) {
      return row.source;
    }
    return {
      ...row.source,
      token: this.#box.open(row.source_secret, gitTokenPurpose(row.id)) as string,
    };
  }

  #sealParts(id: string, source: PluginSource, config: Record<string, unknown>) {
    const token = source.type === 'git' ? source.token : undefined;
    const bare = source.type === 'git' ? { ...source, token: undefined } : source;
    return {
      source: JSON.parse(JSON.stringify(bare)) as PluginSource,
      token: token === undefined ? null : this.#box.seal(token, gitTokenPurpose(id)),
      config: this.#box.seal(config, pluginConfigPurpose(id)),
    };
  }
}

function toRecord(row: PluginRow): PluginRecord {
  return {
    id: row.id,
    status: row.status,
    source: row.source,
    hasSourceToken: row.source_secret !== null,
    version: row.version ?? undefined,
    manifest: row.manifest ?? undefined,
    versions: row.versions ?? [],
    sandbox: row.sandbox ?? undefined,
    grant: row.granted,
    reason: row.reason ?? undefined,
    logTail: row.log_tail ?? undefined,
    restarts: row.restarts,
    lastSequence: row.last_sequence,
    createdAt: row.created_at.toISOString(),
    updatedAt: row.updated_at.toISOString(),
  };
}
