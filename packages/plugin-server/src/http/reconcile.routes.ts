/**
 * @module What the platform asks of a Plugin Server as a whole: `POST /reconcile`, a nudge to pull
 * the desired state from the platform now and reconcile with it (the answer reports what was done
 * for each plugin; operations continue in the background and statuses follow by webhook), and
 * `POST /statuses/resync` for every plugin's current status again. Either also shows the platform
 * answers, so statuses waiting out a retry backoff are sent at once.
 */
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { errorEnvelopeSchema } from '@plugboard/protocol';
import { reconcileReportSchema, statusResyncSchema } from '@plugboard/server-api';
import { ServerError } from '../errors.ts';
import type { DesiredStatePull } from '../reconcile/desired-state-pull.ts';

/** The status webhooks to the platform, when this server has a platform to send them to. */
export interface StatusLink {
  resync(): number;
  platformAnswered(): void;
  /** Why statuses are not kept on disk now (delivered from memory meanwhile), if they are not. */
  unsaved(): string | undefined;
}

export const reconcileRoutes: FastifyPluginAsyncZod<{
  pull: DesiredStatePull | undefined;
  statuses: StatusLink | undefined;
}> = async (app, { pull, statuses }) => {
  app.post('/reconcile', {
    schema: {
      summary:
        "Pull the platform's desired state now and reconcile with it; answers the actions taken",
      response: {
        200: reconcileReportSchema,
        401: errorEnvelopeSchema,
        409: errorEnvelopeSchema,
        502: errorEnvelopeSchema,
      },
    },
    handler: async () => {
      if (pull === undefined) {
        throw new ServerError(
          'PSRV_CONFLICT',
          'this Plugin Server has no platform to take its desired state from: set PLUGBOARD_PLATFORM_URL',
        );
      }
      statuses?.platformAnswered();
      return pull.now();
    },
  });

  app.post('/statuses/resync', {
    schema: {
      summary:
        "Send every plugin's current status again by webhook (for a platform that may have missed some)",
      response: {
        202: statusResyncSchema,
        401: errorEnvelopeSchema,
        409: errorEnvelopeSchema,
      },
    },
    handler: async (_request, reply) => {
      if (statuses === undefined) {
        throw new ServerError(
          'PSRV_CONFLICT',
          'this Plugin Server sends no status webhooks: set PLUGBOARD_PLATFORM_URL and PLUGBOARD_WEBHOOK_SECRET',
        );
      }
      statuses.platformAnswered();
      return reply.code(202).send({ resent: statuses.resync() });
    },
  });
};
