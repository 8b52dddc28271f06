/**
 * @module What Plugin Servers call on the platform about plugins: the signed status webhook
 * (applied unless older than the last one applied for that plugin) and the desired state.
 */
import { errorEnvelopeSchema } from '@plugboard/protocol';
import {
  DESIRED_STATE_PATH,
  desiredStateSchema,
  statusEventSchema,
  STATUS_WEBHOOK_PATH,
  verify,
  WEBHOOK_HEADERS,
} from '@plugboard/server-api';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { PlatformError } from '../errors.ts';
import type { PluginRepository } from './plugin-repository.ts';
import type { PluginService } from './plugin-service.ts';

const EPOCH_SKEW_MS = 24 * 60 * 60 * 1000;

export const pluginServerStatusRoutes: FastifyPluginAsyncZod<{
  repo: PluginRepository;
  plugins: PluginService;
  webhookSecret: string;
  /** Told when a status was applied (live plugin lists). */
  onApplied: () => void;
}> = async (app, { repo, plugins, webhookSecret, onApplied }) => {
  // The signature covers the exact bytes, so this context keeps JSON bodies as text.
  app.addContentTypeParser('application/json', { parseAs: 'string' }, (_request, body, done) => {
    done(null, body);
  });

  app.post(`/${STATUS_WEBHOOK_PATH}`, {
    schema: {
      summary:
        'Status webhook from a Plugin Server (Standard Webhooks signature; per-plugin sequence, older ones ignored)',
      security: [{ pluginServerKey: [] }],
      body: z.string().describe('A PluginStatusEvent as JSON.'),
      response: {
        200: z.object({
          outcome: z.enum(['applied', 'stale', 'unknown-plugin', 'ignored']),
        }),
        400: errorEnvelopeSchema,
        401: errorEnvelopeSchema,
      },
    },
    handler: async (request) => {
      const header = (name: string) => {
        const value = request.headers[name];
        return typeof value === 'string' ? value : '';
      };
      const signed = verify(webhookSecret, {
        headers: {
          id: header(WEBHOOK_HEADERS.id),
          timestamp: header(WEBHOOK_HEADERS.timestamp),
          signature: header(WEBHOOK_HEADERS.signature),
        },
        body: request.body,
      });
      if (!signed) {
        throw new PlatformError(
          'PLAT_WEBHOOK_REJECTED',
          'the webhook signature does not verify (or its timestamp is over 5 minutes off); the Plugin Server and the platform need the same PLUGBOARD_WEBHOOK_SECRET',
        );
      }
      let json: unknown;
      try {
        json = JSON.parse(request.body);
      } catch {
        throw new PlatformError('PLAT_BAD_REQUEST', 'the webhook body is not JSON');
      }
      const event = statusEventSchema.safeParse(json);
      if (!event.success) {
        throw new PlatformError(
          'PLAT_BAD_REQUEST',
          `the webhook is not a plugin status event: ${event.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`,
        );
      }
      // An epoch is when a Plugin Server run began numbering: one from the future would outrank every
      // later status of that plugin for good. A day covers any clock skew between the machines.
      if (event.data.epoch > Date.now() + EPOCH_SKEW_MS) {
        throw new PlatformError(
          'PLAT_BAD_REQUEST',
          `the webhook's epoch ${String(event.data.epoch)} lies in the future; check the Plugin Server's clock`,
        );
      }
      const outcome = await repo.applyStatus(event.data);
      request.log.info(
        {
          pluginId: event.data.pluginId,
          status: event.data.status,
          sequence: event.data.sequence,
          outcome,
        },
        'plugin status',
      );
      if (outcome === 'applied') {
        onApplied();
      }
      // Known or not, applied or stale: 200, so the Plugin Server does not retry what cannot change.
      return { outcome };
    },
  });

  app.get(`/${DESIRED_STATE_PATH}`, {
    schema: {
      summary: 'The plugins this platform wants, with source, config and status, for reconciling',
      security: [{ pluginServerKey: [] }],
      response: { 200: desiredStateSchema, 401: errorEnvelopeSchema },
    },
    handler: async () => plugins.desiredState(),
  });
};
