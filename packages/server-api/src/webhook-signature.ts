/**
 * @module Standard Webhooks signatures: HMAC-SHA256 over `id.timestamp.body`, sent as
 * `webhook-id`, `webhook-timestamp` and `webhook-signature: v1,<base64>` headers.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';

export const WEBHOOK_HEADERS = {
  id: 'webhook-id',
  timestamp: 'webhook-timestamp',
  signature: 'webhook-signature',
} as const;

/** Receivers refuse timestamps further than this from their clock (replay protection). */
export const WEBHOOK_TOLERANCE_S = 5 * 60;

/** The secret as bytes: `whsec_<base64>` as Standard Webhooks writes it, or any other string as is. */
export function secretBytes(secret: string): Buffer {
  return secret.startsWith('whsec_')
    ? Buffer.from(secret.slice('whsec_'.length), 'base64')
    : Buffer.from(secret);
}

export function sign(
  secret: string,
  parts: { id: string; timestamp: number; body: string },
): string {
  const mac = createHmac('sha256', secretBytes(secret))
    .update(`${parts.id}.${String(parts.timestamp)}.${parts.body}`)
    .digest('base64');
  return `v1,${mac}`;
}

export function signedHeaders(
  secret: string,
  message: { id: string; body: string; now?: number },
): Record<string, string> {
  const { id, body, now = Date.now() } = message;
  const timestamp = Math.floor(now / 1000);
  return {
    [WEBHOOK_HEADERS.id]: id,
    [WEBHOOK_HEADERS.timestamp]: String(timestamp),
    [WEBHOOK_HEADERS.signature]: sign(secret, { id, timestamp, body }),
  };
}

/** What a receiver does: any listed v1 signature matches, in constant time, within the tolerance. */
export function verify(
  secret: string,
  message: {
    headers: { id: string; timestamp: string; signature: string };
    body: string;
    now?: number;
  },
): boolean {
  const { headers, body, now = Date.now() } = message;
  const timestamp = Number(headers.timestamp);
  if (!Number.isInteger(timestamp) || Math.abs(now / 1000 - timestamp) > WEBHOOK_TOLERANCE_S) {
    return false;
  }
  const expected = Buffer.from(sign(secret, { id: headers.id, timestamp, body }));
  return headers.signature.split(' ').some((candidate) => {
    const given = Buffer.from(candidate);
    return given.length === expected.length && timingSafeEqual(given, expected);
  });
}
