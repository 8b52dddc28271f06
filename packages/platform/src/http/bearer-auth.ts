/**
 * @module Bearer-token checks: users' API tokens on `/api`, Plugin Servers' keys on
 * `/plugin-server`. Compared as SHA-256 digests in constant time against every accepted value.
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import { PlatformError } from '../errors.ts';

export function createBearerCheck(
  accepted: readonly string[],
  hint: string,
): (header: string | undefined) => void {
  const digests = accepted.map(digest);
  return (header) => {
    const presented = digest(
      header?.startsWith('Bearer ') === true ? header.slice('Bearer '.length) : '',
    );
    let ok = false;
    for (const expected of digests) {
      ok = timingSafeEqual(presented, expected) || ok;
    }
    if (!ok) {
      throw new PlatformError('PLAT_UNAUTHORIZED', `missing or wrong token; ${hint}`);
    }
  };
}

function digest(value: string): Buffer {
  return createHash('sha256').update(value).digest();
}
