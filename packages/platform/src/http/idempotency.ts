/**
 * @module `Idempotency-Key` on the routes that create something (a run, a plugin install): a
 * request repeated with the same key gets the first answer again and creates nothing, so a client
 * whose request timed out can send it again safely. The key is claimed once the request has
 * passed validation, and the answer is kept when it is sent; a 5xx releases the key, since a
 * retry may then succeed.
 */
import { createHash } from 'node:crypto';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { canonicalJson } from '@plugboard/protocol';
import { z } from 'zod';
import { PlatformError } from '../errors.ts';
import type { IdempotencyStore, KeyRef } from './idempotency-store.ts';

const IDEMPOTENCY_HEADER = 'idempotency-key';
/** Set on an answer that repeats the first answer to its key. */
const REPLAYED_HEADER = 'idempotent-replayed';

const KEY_PATTERN = /^[\x21-\x7e]{1,255}$/;

/** The header as the routes that take it document it (checked again, with a clear error, below). */
export const idempotencyHeaders = z.looseObject({
  [IDEMPOTENCY_HEADER]: z
    .string()
    .optional()
    .describe(
      'Any unique string (a UUID): a repeat of this request with the same key within 24 hours gets the first answer again, marked `Idempotent-Replayed: true`, and creates nothing.',
    ),
});

/** Requests holding a claimed key, until their answer is kept. */
const held = new WeakMap<FastifyRequest, KeyRef>();

/**
 * A name derived from the request's key, for the record it creates: a repeat that runs again (its
 * first answer was lost to a failure) finds that record instead of creating a second one.
 */
export function idempotentName(request: FastifyRequest, prefix: string): string | undefined {
  const ref = held.get(request);
  return ref === undefined
    ? undefined
    : `${prefix}${createHash('sha256').update(`${ref.scope}\n${ref.key}`).digest('base64url').slice(0, 16)}`;
}

export function registerIdempotency(
  app: FastifyInstance,
  store: IdempotencyStore,
  log: { warn(details: object, message: string): void },
): void {
  app.addHook('preHandler', async (request, reply) => {
    const raw = request.headers[IDEMPOTENCY_HEADER];
    if (request.routeOptions.config.idempotent !== true || raw === undefined) {
      return;
    }
    const key = Array.isArray(raw) ? undefined : raw;
    if (key === undefined || !KEY_PATTERN.test(key)) {
      throw new PlatformError(
        'PLAT_BAD_REQUEST',
        'send one Idempotency-Key of 1 to 255 visible ASCII characters (a UUID is a good choice)',
      );
    }
    const ref = { scope: `${request.method} ${request.routeOptions.url ?? ''}`, key };
    const requestHash = createHash('sha256')
      .update(canonicalJson({ params: request.params, body: request.body ?? null }))
      .digest('hex');
    const claim = await store.claim(ref, requestHash);
    switch (claim.kind) {
      case 'claimed':
        held.set(request, ref);
        return;
      case 'answered':
        void reply.code(claim.statusCode).header(REPLAYED_HEADER, 'true');
        if (claim.contentType !== undefined) {
          void reply.header('content-type', claim.contentType);
        }
        return reply.send(claim.body);
      case 'mismatch':
        throw new PlatformError(
          'PLAT_IDEMPOTENCY_KEY_REUSED',
          'this Idempotency-Key was first used with another request; use a new key for a new request',
        );
      case 'in-progress':
        throw new PlatformError(
          'PLAT_IDEMPOTENCY_IN_PROGRESS',
          'the first request with this Idempotency-Key has not answered yet; retry shortly with the same key',
        );
    }
  });

  app.addHook('onSend', async (request, reply, payload) => {
    const ref = held.get(request);
    if (ref === undefined) {
      return payload;
    }
    held.delete(request);
    try {
      if (reply.statusCode < 500 && typeof payload === 'string') {
        const contentType = reply.getHeader('content-type');
        await store.complete(ref, {
          statusCode: reply.statusCode,
          contentType: typeof contentType === 'string' ? contentType : undefined,
          body: payload,
        });
      } else {
        await store.release(ref);
      }
    } catch (error) {
      // The answer still goes out; a retry with this key waits until the claim goes stale.
      log.warn({ err: error, key: ref.key }, 'could not keep the answer to an Idempotency-Key');
    }
    return payload;
  });
}

declare module 'fastify' {
  interface FastifyContextConfig {
    /** Takes an `Idempotency-Key` header: a repeat gets the first answer again. */
    idempotent?: boolean;
  }
}
