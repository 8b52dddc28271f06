/**
 * @module Per-call tokens: minted for one node execution and handed to its plugin, they let the
 * plugin read and store files for that run only, through the Plugin Server. A token is signed,
 * not stored (HMAC-SHA256 over run, node, plugin and expiry, with a key derived from the
 * platform's secret key), so minting one costs no database write on every node call; it dies
 * with its run — a token is honoured only while its run is `running` — or at its expiry,
 * whichever comes first. A token names its plugin, so one that leaks to another plugin is
 * useless there. Tokens signed under a key in PLUGBOARD_SECRET_KEY_PREVIOUS are honoured too, so
 * a key rotation does not cut off the nodes of a process that still signs with the old key.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';
import { z } from 'zod';
import type { Queryable } from '../db/database.ts';
import { PlatformError } from '../errors.ts';

interface CallTokenGrant {
  readonly runId: string;
  readonly nodeId: string;
  readonly pluginId: string;
  /** Overrides the default lifetime. */
  readonly ttlMs?: number;
}

interface CallTokenHolder {
  readonly runId: string;
  readonly nodeId: string;
}

export interface CallTokens {
  mint(grant: CallTokenGrant): string;
  /** The execution a token was minted for; PLAT_UNAUTHORIZED when forged, expired, over or another plugin's. */
  resolve(token: string | undefined, pluginId: string | undefined): Promise<CallTokenHolder>;
}

const claimsSchema = z.object({
  r: z.string(),
  n: z.string(),
  p: z.string(),
  e: z.number(),
});

export function createCallTokens(options: {
  readonly db: Queryable;
  readonly secretKey: string;
  /** Keys that no longer sign, whose tokens are still honoured. */
  readonly previousKeys?: readonly string[];
  readonly ttlMs: number;
}): CallTokens {
  const derive = (secretKey: string) =>
    createHmac('sha256', secretKey).update('plugboard-call-token').digest();
  const current = derive(options.secretKey);
  const keys = [current, ...(options.previousKeys ?? []).map(derive)];
  const sign = (payload: string, key = current) =>
    createHmac('sha256', key).update(payload).digest();
  const refused = () =>
    // One answer for every case, so a caller cannot probe which tokens exist.
    new PlatformError(
      'PLAT_UNAUTHORIZED',
      'the per-call token is missing, expired, over (its run ended) or not this plugin’s',
    );
  return {
    mint(grant) {
      const payload = Buffer.from(
        JSON.stringify({
          r: grant.runId,
          n: grant.nodeId,
          p: grant.pluginId,
          e: Date.now() + (grant.ttlMs ?? options.ttlMs),
        }),
      ).toString('base64url');
      return `${payload}.${sign(payload).toString('base64url')}`;
    },
    async resolve(token, pluginId) {
      const [payload, signature, extra] = (token ?? '').split('.');
      if (payload === undefined || signature === undefined || extra !== undefined) {
        throw refused();
      }
      const given = Buffer.from(signature, 'base64url');
      const signed = keys.some((key) => {
        const expected = sign(payload, key);
        return given.length === expected.length && timingSafeEqual(given, expected);
      });
      if (!signed) {
        throw refused();
      }
      const claims = claimsSchema.safeParse(
        JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')),
      );
      if (!claims.success || claims.data.e <= Date.now() || claims.data.p !== pluginId) {
        throw refused();
      }
      const rows = await options.db.query<{ status: string }>(
        'SELECT status FROM runs WHERE id = $1',
        [claims.data.r],
      );
      if (rows[0]?.status !== 'running') {
        throw refused();
      }
      return { runId: claims.data.r, nodeId: claims.data.n };
    },
  };
}
