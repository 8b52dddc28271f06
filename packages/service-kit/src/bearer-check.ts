/**
 * @module Bearer-key checks: `Authorization: Bearer <key>` compared as SHA-256 digests in
 * constant time against every accepted key (two while one is rotated out).
 */
import { createHash, timingSafeEqual } from 'node:crypto';

/** Whether the header carries one of the accepted keys. */
export function createBearerCheck(
  accepted: readonly string[],
): (header: string | undefined) => boolean {
  const digests = accepted.map(digest);
  return (header) => {
    const presented = digest(
      header?.startsWith('Bearer ') === true ? header.slice('Bearer '.length) : '',
    );
    // Every key is compared, so timing says nothing about which (or whether one) matched.
    let ok = false;
    for (const expected of digests) {
      ok = timingSafeEqual(presented, expected) || ok;
    }
    return ok;
  };
}

function digest(value: string): Buffer {
  return createHash('sha256').update(value).digest();
}
