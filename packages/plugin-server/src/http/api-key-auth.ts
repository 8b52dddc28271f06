/**
 * @module API key check for every route but health: `Authorization: Bearer <key>`, compared as
 * SHA-256 digests in constant time against every configured key (two during a rotation).
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import { ServerError } from '../errors.ts';

export function createApiKeyCheck(keys: readonly string[]): (header: string | undefined) => void {
  const digests = keys.map(digest);
  return (header) => {
    const presented = digest(
      header?.startsWith('Bearer ') === true ? header.slice('Bearer '.length) : '',
    );
    // Every key is compared, so timing says nothing about which (or whether one) matched.
    let ok = false;
    for (const expected of digests) {
      ok = timingSafeEqual(presented, expected) || ok;
    }
    if (!ok) {
      throw new ServerError(
        'PSRV_UNAUTHORIZED',
        'missing or wrong API key; send "Authorization: Bearer <key>" with a key from PLUGBOARD_SERVER_API_KEYS',
      );
    }
  };
}

function digest(value: string): Buffer {
  return createHash('sha256').update(value).digest();
}
