/**
 * @module Encryption at rest for plugin config secrets, git tokens and integration credentials:
 * AES-256-GCM with a key derived from PLUGBOARD_SECRET_KEY, a fresh nonce per value, and the
 * purpose bound in as associated data so a value cannot be moved to another column or record.
 */
import { createCipheriv, createDecipheriv, createHash, randomBytes } from 'node:crypto';
import { PlatformError } from '../errors.ts';

const VERSION = 'v1';

export interface SecretBox {
  seal(value: unknown, purpose: string): string;
  open(sealed: string, purpose: string): unknown;
}

export function createSecretBox(secretKey: string): SecretBox {
  const key = createHash('sha256').update(`plugboard-secret-box:${secretKey}`).digest();
  return {
    seal(value, purpose) {
      const nonce = randomBytes(12);
      const cipher = createCipheriv('aes-256-gcm', key, nonce);
      cipher.setAAD(Buffer.from(purpose));
      const body = Buffer.concat([cipher.update(JSON.stringify(value), 'utf8'), cipher.final()]);
      return [VERSION, nonce, cipher.getAuthTag(), body]
        .map((part) => (typeof part === 'string' ? part : part.toString('base64url')))
        .join('.');
    },
    open(sealed, purpose) {
      const [version, nonce, tag, body] = sealed.split('.');
      if (version !== VERSION || nonce === undefined || tag === undefined || body === undefined) {
        throw new PlatformError('PLAT_INTERNAL', 'a stored secret is not in a known format');
      }
      try {
        const decipher = createDecipheriv('aes-256-gcm', key, Buffer.from(nonce, 'base64url'));
        decipher.setAAD(Buffer.from(purpose));
        decipher.setAuthTag(Buffer.from(tag, 'base64url'));
        const text = Buffer.concat([
          decipher.update(Buffer.from(body, 'base64url')),
          decipher.final(),
        ]).toString('utf8');
        return JSON.parse(text) as unknown;
      } catch (error) {
        throw new PlatformError(
          'PLAT_INTERNAL',
          'a stored secret cannot be decrypted: PLUGBOARD_SECRET_KEY differs from the key it was stored with',
          { cause: error },
        );
      }
    },
  };
}
