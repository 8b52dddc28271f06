/**
 * @module `POST /reconcile`: the platform pushes its whole desired list; the answer reports what
 * was done for each plugin (operations continue in the background; statuses follow by webhook).
 */
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { errorEnvelopeSchema } from '@plugboard/protocol';
import { desiredStateSchema, reconcileReportSchema } from '@plugboard/server-api';
import type { Reconciler } from '../reconcile/reconciler.ts';

export const reconcileRoutes: FastifyPluginAsyncZod<{ reconciler: Reconciler }> = async (
  app,
  { reconciler },
) => {
  app.post('/reconcile', {
    schema: {
      summary: 'Reconcile with the full desired list; answers the actions taken',
      body: desiredStateSchema,
      response: { 200: reconcileReportSchema, 400: errorEnvelopeSchema, 401: errorEnvelopeSchema },
    },
    handler: (request) => reconciler.reconcile(request.body.plugins),
  });
};
