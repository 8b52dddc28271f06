/**
 * @module Integration credentials: one row per named set of credentials for a plugin's
 * integration. The data is sealed with the secret box, bound to the credential's id, so it is
 * never in the database in plain text and cannot be swapped onto another credential's row.
 */
import { randomBytes } from 'node:crypto';
import type { Queryable } from '../db/database.ts';
import { PlatformError } from '../errors.ts';
import { credentialPurpose } from '../secrets/sealed-columns.ts';
import type { SecretBox } from '../secrets/secret-box.ts';

export type CredentialData = Record<string, unknown>;

/** A credential as it may be shown: everything but the data. */
export interface CredentialRecord {
  readonly id: string;
  readonly pluginId: string;
  readonly integration: string;
  readonly name: string;
  readonly createdAt: string;
  readonly updatedAt: string;
}

export interface OpenedCredential {
  readonly record: CredentialRecord;
  readonly data: CredentialData;
}

export interface NewCredential {
  readonly pluginId: string;
  readonly integration: string;
  readonly name: string;
  readonly data: CredentialData;
}

interface CredentialRow {
  id: string;
  plugin_id: string;
  integration: string;
  name: string;
  secret: string;
  created_at: Date | string;
  updated_at: Date | string;
}

const COLUMNS = 'id, plugin_id, integration, name, secret, created_at, updated_at';

export class CredentialsRepository {
  readonly #db: Queryable;
  readonly #box: SecretBox;

  constructor(db: Queryable, box: SecretBox) {
    this.#db = db;
    this.#box = box;
  }

  /** PLAT_CONFLICT when the plugin's integration already has credentials of that name. */
  async create(credential: NewCredential): Promise<CredentialRecord> {
    const id = `cred_${randomBytes(16).toString('base64url')}`;
    const [row] = await this.#db.query<CredentialRow>(
      `INSERT INTO credentials (id, plugin_id, integration, name, secret)
       VALUES ($1, $2, $3, $4, $5)
       ON CONFLICT (plugin_id, integration, name) DO NOTHING
       RETURNING ${COLUMNS}`,
      [
        id,
        credential.pluginId,
        credential.integration,
        credential.name,
        this.#box.seal(credential.data, credentialPurpose(id)),
      ],
    );
    if (row === undefined) {
      throw new PlatformError(
        'PLAT_CONFLICT',
        `${credential.pluginId}'s integration ${credential.integration} already has credentials named "${credential.name}"; replace them with PUT /api/credentials/{id} or pick another name`,
      );
    }
    return toRecord(row);
  }

  async get(id: string): Promise<CredentialRecord | undefined> {
    const [row] = await this.#db.query<CredentialRow>(
      `SELECT ${COLUMNS} FROM credentials WHERE id = $1`,
      [id],
    );
    return row === undefined ? undefined : toRecord(row);
  }

  /** Newest first; all plugins' unless one is named. */
  async list(filter: { readonly pluginId?: string | undefined } = {}): Promise<CredentialRecord[]> {
    const rows = await this.#db.query<CredentialRow>(
      `SELECT ${COLUMNS} FROM credentials
        WHERE $1::text IS NULL OR plugin_id = $1
        ORDER BY updated_at DESC, id`,
      [filter.pluginId ?? null],
    );
    return rows.map(toRecord);
  }

  async open(id: string): Promise<OpenedCredential | undefined> {
    const [row] = await this.#db.query<CredentialRow>(
      `SELECT ${COLUMNS} FROM credentials WHERE id = $1`,
      [id],
    );
    return this.#opened(row);
  }

  /** The most recently updated credentials of a plugin's integration. */
  async openLatest(pluginId: string, integration: string): Promise<OpenedCredential | undefined> {
    const [row] = await this.#db.query<CredentialRow>(
      `SELECT ${COLUMNS} FROM credentials
        WHERE plugin_id = $1 AND integration = $2
        ORDER BY updated_at DESC, created_at DESC, id LIMIT 1`,
      [pluginId, integration],
    );
    return this.#opened(row);
  }

  async replaceData(id: string, data: CredentialData): Promise<CredentialRecord | undefined> {
    const [row] = await this.#db.query<CredentialRow>(
      `UPDATE credentials SET secret = $2, updated_at = now() WHERE id = $1 RETURNING ${COLUMNS}`,
      [id, this.#box.seal(data, credentialPurpose(id))],
    );
    return row === undefined ? undefined : toRecord(row);
  }

  async delete(id: string): Promise<boolean> {
    const rows = await this.#db.query('DELETE FROM credentials WHERE id = $1 RETURNING id', [id]);
    return rows.length > 0;
  }

  #opened(row: CredentialRow | undefined): OpenedCredential | undefined {
    return row === undefined
      ? undefined
      : {
          record: toRecord(row),
          data: this.#box.open(row.secret, credentialPurpose(row.id)) as CredentialData,
        };
  }
}

function toRecord(row: CredentialRow): CredentialRecord {
  return {
    id: row.id,
    pluginId: row.plugin_id,
    integration: row.integration,
    name: row.name,
    createdAt: new Date(row.created_at).toISOString(),
    updatedAt: new Date(row.updated_at).toISOString(),
  };
}
