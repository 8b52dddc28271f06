/**
 * @module Encryption at rest for plugin config secrets, git tokens and integration credentials:
 * AES-256-GCM with a key derived from PLUGBOARD_SECRET_KEY, a fresh nonce per value, and the
 * purpose bound in as associated data so a value cannot be moved to another column or record.
 *
 * A value is `v2.<key id>.<nonce>.<tag>.<body>`: the key id (derived from the key, 8 characters)
 * says which key sealed it without trying any, so values under the keys in
 * PLUGBOARD_SECRET_KEY_PREVIOUS open too and a rotation finds what is left to re-encrypt by its
 * prefix. Values written before key ids, `v1.<nonce>.<tag>.<body>`, name no key: each known key
 * is tried.
 */
import { createCipheriv, createDecipheriv, createHash, createHmac, randomBytes } from 'node:crypto';
import { PlatformError } from '../errors.ts';

const VERSION = 'v2';
const LEGACY_VERSION = 'v1';

export interface SecretBox {
  /** The id of PLUGBOARD_SECRET_KEY, which seals every new value. */
  readonly keyId: string;
  /** The ids of the previous keys, which only open. */
  readonly previousKeyIds: readonly string[];
  /** What every value sealed under PLUGBOARD_SECRET_KEY starts with. */
  readonly currentPrefix: string;
  seal(value: unknown, purpose: string): string;
  /** PLAT_SECRET_UNREADABLE when no known key opens it. */
  open(sealed: string, purpose: string): unknown;
  /** The value sealed anew under PLUGBOARD_SECRET_KEY, or undefined when it already is. */
  reseal(sealed: string, purpose: string): string | undefined;
  /** The id of the key a value names; undefined for a `v1` value, which names none. */
  keyIdOf(sealed: string): string | undefined;
}

/** Why a value does not open: no known key sealed it, it was changed, or it is not a sealed value. */
export type UnreadableProblem = 'unknown-key' | 'altered' | 'unknown-format';

interface Key {
  readonly id: string;
  readonly bytes: Buffer;
}

/** The key id of a secret key, as sealed values and the rotation report show it. */
export function secretKeyId(secretKey: string): string {
  return deriveKey(secretKey).id;
}

export function createSecretBox(
  secretKey: string,
  previousKeys: readonly string[] = [],
): SecretBox {
  const current = deriveKey(secretKey);
  // By id: a key listed twice, or also as the current one, counts once.
  const known = new Map([current, ...previousKeys.map(deriveKey)].map((key) => [key.id, key]));
  const previous = [...known.values()].slice(1);
  const currentPrefix = `${VERSION}.${current.id}.`;

  const openText = (sealed: string, purpose: string): string => {
    const parts = sealed.split('.');
    if (parts[0] === VERSION && parts.length === 5) {
      const [, id = '', nonce = '', tag = '', body = ''] = parts;
      const key = known.get(id);
      if (key === undefined) {
        throw unreadable(
          { purpose, keyId: id, problem: 'unknown-key' },
          `it was sealed under key ${id}, which is neither PLUGBOARD_SECRET_KEY (${current.id}) nor in PLUGBOARD_SECRET_KEY_PREVIOUS: add the key it was sealed with to PLUGBOARD_SECRET_KEY_PREVIOUS, or store the value again`,
        );
      }
      const text = decrypt(key, { nonce, tag, body }, purpose);
      if (text === undefined) {
        throw unreadable(
          { purpose, keyId: id, problem: 'altered' },
          `it does not decrypt under its key ${id}: it was altered or copied from another record; store the value again`,
        );
      }
      return text;
    }
    if (parts[0] === LEGACY_VERSION && parts.length === 4) {
      const [, nonce = '', tag = '', body = ''] = parts;
      for (const key of known.values()) {
        const text = decrypt(key, { nonce, tag, body }, purpose);
        if (text !== undefined) {
          return text;
        }
      }
      throw unreadable(
        { purpose, problem: 'unknown-key' },
        'it was sealed (before key ids) under none of PLUGBOARD_SECRET_KEY and PLUGBOARD_SECRET_KEY_PREVIOUS: add the key it was sealed with to PLUGBOARD_SECRET_KEY_PREVIOUS, or store the value again',
      );
    }
    throw unreadable(
      { purpose, problem: 'unknown-format' },
      'it is not in a known format (damaged, or written by a newer Plugboard); store the value again',
    );
  };

  const sealText = (text: string, purpose: string): string => {
    const nonce = randomBytes(12);
    const cipher = createCipheriv('aes-256-gcm', current.bytes, nonce);
    cipher.setAAD(Buffer.from(purpose));
    const body = Buffer.concat([cipher.update(text, 'utf8'), cipher.final()]);
    return `${currentPrefix}${[nonce, cipher.getAuthTag(), body].map((part) => part.toString('base64url')).join('.')}`;
  };

  return {
    keyId: current.id,
    previousKeyIds: previous.map((key) => key.id),
    currentPrefix,
    seal: (value, purpose) => sealText(JSON.stringify(value), purpose),
    open: (sealed, purpose) => JSON.parse(openText(sealed, purpose)) as unknown,
    reseal: (sealed, purpose) =>
      sealed.startsWith(currentPrefix) ? undefined : sealText(openText(sealed, purpose), purpose),
    keyIdOf: (sealed) => {
      const parts = sealed.split('.');
      return parts[0] === VERSION && parts.length === 5 ? parts[1] : undefined;
    },
  };
}

function deriveKey(secretKey: string): Key {
  // The derivation of `v1`, kept: values sealed before key ids open under the same key.
  const bytes = createHash('sha256').update(`plugboard-secret-box:${secretKey}`).digest();
  const id = createHmac('sha256', bytes)
    .update('plugboard-secret-box-key-id')
    .digest()
    .subarray(0, 6)
    .toString('base64url');
  return { id, bytes };
}

function decrypt(
  key: Key,
  parts: { nonce: string; tag: string; body: string },
  purpose: string,
): string | undefined {
  try {
    // The full 16-byte tag only: a shortened one would be easier to forge.
    const decipher = createDecipheriv(
      'aes-256-gcm',
      key.bytes,
      Buffer.from(parts.nonce, 'base64url'),
      {
        authTagLength: 16,
      },
    );
    decipher.setAAD(Buffer.from(purpose));
    decipher.setAuthTag(Buffer.from(parts.tag, 'base64url'));
    return Buffer.concat([
      decipher.update(Buffer.from(parts.body, 'base64url')),
      decipher.final(),
    ]).toString('utf8');
  } catch {
    return undefined;
  }
}

function unreadable(
  details: { purpose: string; keyId?: string; problem: UnreadableProblem },
  why: string,
): PlatformError {
  return new PlatformError(
    'PLAT_SECRET_UNREADABLE',
    `the stored secret ${details.purpose} cannot be opened: ${why}`,
    { details },
  );
}
