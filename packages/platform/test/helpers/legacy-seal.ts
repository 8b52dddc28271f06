// A value sealed the way the platform sealed before key ids: `v1.<nonce>.<tag>.<body>`, under a
// key derived from the secret key as today. Databases written then hold only such values.
import { createCipheriv, createHash, randomBytes } from 'node:crypto';

export function sealV1(secretKey: string, value: unknown, purpose: string): string {
  const key = createHash('sha256').update(`plugboard-secret-box:${secretKey}`).digest();
  const nonce = randomBytes(12);
  const cipher = createCipheriv('aes-256-gcm', key, nonce);
  cipher.setAAD(Buffer.from(purpose));
  const body = Buffer.concat([cipher.update(JSON.stringify(value), 'utf8'), cipher.final()]);
  return ['v1', nonce, cipher.getAuthTag(), body]
    .map((part) => (typeof part === 'string' ? part : part.toString('base64url')))
    .join('.');
}
