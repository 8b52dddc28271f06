/**
 * @module Per-call tokens: minted for one node execution and handed to its plugin, they let the
 * plugin read and store files for that run only, through the Plugin Server. Only a SHA-256 of
 * each token is stored, so the table cannot be replayed; a token names its plugin, so a token
 * that leaks to another plugin is useless there.
 */
import { createHash, randomBytes } from 'node:crypto';
import type { Queryable } from '../db/database.ts';
import { PlatformError } from '../errors.ts';

export interface CallTokenGrant {
  readonly runId: string;
  readonly nodeId: string;
  readonly pluginId: string;
  readonly ttlMs: number;
}

export interface CallTokenHolder {
  readonly runId: string;
  readonly nodeId: string;
}

export async function mintCallToken(db: Queryable, grant: CallTokenGrant): Promise<string> {
  const token = randomBytes(32).toString('base64url');
  await db.query(
    `INSERT INTO call_tokens (token_hash, run_id, node_id, plugin_id, expires_at)
     VALUES ($1, $2, $3, $4, now() + make_interval(secs => $5::double precision))`,
    [digest(token), grant.runId, grant.nodeId, grant.pluginId, grant.ttlMs / 1000],
  );
  return token;
}

/** The execution a token was minted for; PLAT_UNAUTHORIZED when unknown, expired or another plugin's. */
export async function resolveCallToken(
  db: Queryable,
  token: string | undefined,
  pluginId: string | undefined,
): Promise<CallTokenHolder> {
  const [row] =
    token === undefined || token === ''
      ? []
      : await db.query<{ run_id: string; node_id: string; plugin_id: string }>(
          `SELECT run_id, node_id, plugin_id FROM call_tokens
            WHERE token_hash = $1 AND expires_at > now()`,
          [digest(token)],
        );
  // One answer for every case, so a caller cannot probe which tokens exist.
  if (row === undefined || row.plugin_id !== pluginId) {
    throw new PlatformError(
      'PLAT_UNAUTHORIZED',
      'the per-call token is missing, expired, revoked or not this plugin’s',
    );
  }
  return { runId: row.run_id, nodeId: row.node_id };
}

/** Ends every token of a run (it finished or was cancelled), and sweeps expired ones. */
export async function revokeCallTokens(db: Queryable, runId: string): Promise<void> {
  await db.query('DELETE FROM call_tokens WHERE run_id = $1 OR expires_at <= now()', [runId]);
}

function digest(token: string): string {
  return createHash('sha256').update(token).digest('hex');
}
