/**
 * @module Runs: start one with inputs, read it (every node's inputs, outputs, errors, timing),
 * follow its progress as Server-Sent Events, cancel it.
 */
import { errorEnvelopeSchema, fileRefSchema } from '@plugboard/protocol';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { apiSchema, errorAnswers } from '../http/api-schema.ts';
import { PlatformError } from '../errors.ts';
import { idempotencyHeaders, idempotentName } from '../http/idempotency.ts';
import { openEventStream } from '../http/event-stream.ts';
import { checkRunInputs, workflowInputsOf } from '../workflows/run-inputs.ts';
import type { WorkflowRepository } from '../workflows/workflow-repository.ts';
import type { RunBus } from './run-bus.ts';
import { API_ROUTES as at, MAX_EVENT_ID } from '@plugboard/platform-api';
import type { RunRepository } from './run-repository.ts';

const errors = errorAnswers(400, 401, 404, 409, 422);
/** A comment this often on a quiet stream, so proxies do not close it as idle. */
const KEEP_ALIVE_MS = 15_000;

export interface RunFiles {
  /** The ids that name no stored file. */
  missing(ids: readonly string[]): Promise<string[]>;
}

export const runsRoutes: FastifyPluginAsyncZod<{
  runs: RunRepository;
  workflows: WorkflowRepository;
  bus: RunBus;
  files: RunFiles;
}> = async (app, { runs, workflows, bus, files }) => {
  // Event streams end when the platform closes, so closing never waits on a client.
  const shutdown = new AbortController();
  const closing = shutdown.signal;
  app.addHook('preClose', (done) => {
    shutdown.abort();
    done();
  });
  const found = async (id: string) => {
    const run = await runs.get(id);
    if (run === undefined) {
      throw new PlatformError('PLAT_RUN_NOT_FOUND', `no run "${id.slice(0, 80)}"`);
    }
    return run;
  };

  app.post(at.startRun.path, {
    config: { idempotent: true },
    schema: apiSchema('startRun', errors, { headers: idempotencyHeaders }),
    handler: async (request, reply) => {
      const workflow = await workflows.get(request.params.id);
      if (workflow === undefined) {
        throw new PlatformError(
          'PLAT_WORKFLOW_NOT_FOUND',
          `no workflow "${request.params.id.slice(0, 80)}"`,
        );
      }
      const { inputs } = request.body;
      const issues = checkRunInputs(workflow.graph, inputs);
      const fileIds = workflowInputsOf(workflow.graph)
        .filter((input) => input.type === 'file' && inputs[input.name] !== undefined)
        .map((input) => fileRefSchema.safeParse(inputs[input.name]))
        .flatMap((parsed) => (parsed.success ? [parsed.data.id] : []));
      for (const id of await files.missing(fileIds)) {
        issues.push({
          code: 'file_not_found',
          message: `file "${id}" does not exist; upload it with POST /api/files first`,
          path: ['inputs'],
        });
      }
      if (issues.length > 0) {
        throw new PlatformError(
          'PLAT_INPUTS_INVALID',
          `the run inputs do not fit the workflow: ${issues.map((i) => i.message).join('; ')}`,
          { details: { issues } },
        );
      }
      const runId = await runs.create({
        id: idempotentName(request, 'run_'),
        workflowId: workflow.id,
        graph: workflow.graph,
        inputs,
        fileIds,
      });
      bus.queued();
      return reply.code(202).send(await found(runId));
    },
  });

  app.get(at.listRuns.path, {
    schema: apiSchema('listRuns', errors),
    handler: async (request) => ({
      runs: await runs.list({ workflowId: request.query.workflowId, limit: request.query.limit }),
    }),
  });

  app.get(at.getRun.path, {
    schema: apiSchema('getRun', errors),
    handler: async (request) => found(request.params.id),
  });

  app.post(at.cancelRun.path, {
    schema: apiSchema('cancelRun', { ...errors, 409: errorEnvelopeSchema }),
    handler: async (request, reply) => {
      const outcome = await runs.requestCancel(request.params.id);
      if (outcome === undefined) {
        await found(request.params.id);
      }
      if (outcome === 'finished') {
        throw new PlatformError('PLAT_CONFLICT', 'the run has already finished');
      }
      if (outcome === 'requested') {
        bus.cancel(request.params.id);
      }
      bus.changed(request.params.id);
      return reply.code(202).send(await found(request.params.id));
    },
  });

  app.get(at.runEvents.path, {
    schema: apiSchema('runEvents', {}),
    handler: async (request, reply) => {
      await found(request.params.id);
      const runId = request.params.id;
      const lastEventId = Number(request.headers['last-event-id'] ?? Number.NaN);
      let after =
        Number.isInteger(lastEventId) && lastEventId >= 0 && lastEventId <= MAX_EVENT_ID
          ? lastEventId
          : (request.query.after ?? 0);
      const stream = openEventStream(request, reply, closing);
      // Woken at once by a worker in this process or, through the bus's link, in another one.
      const off = bus.onChanged(runId, () => {
        stream.wake();
      });
      try {
        await stream.send({ comment: 'run events' });
        let finished = false;
        let idle = 0;
        while (!stream.ended.aborted) {
          const events = await runs.eventsAfter(runId, after);
          for (const event of events) {
            await stream.send({ id: event.id, type: event.type, data: event.data });
            after = event.id;
            finished ||= event.type === 'run.finished';
          }
          if (finished) {
            break;
          }
          // After events, the next read waits for the next wake-up (kept if it came meanwhile)
          // rather than reading again at once to find nothing: one read per change.
          if (events.length === 0) {
            // Over: its run.finished is committed with the final status, so one more read after
            // seeing the status cannot miss it (the run may have ended between the two queries).
            // Nothing then means the client resumed past it, as a reconnecting EventSource does.
            if (await runs.isOver(runId)) {
              for (const event of await runs.eventsAfter(runId, after)) {
                await stream.send({ id: event.id, type: event.type, data: event.data });
                after = event.id;
              }
              break;
            }
            idle += 1;
            if (idle * bus.backstopMs() >= KEEP_ALIVE_MS) {
              idle = 0;
              await stream.send({ comment: 'keep-alive' });
            }
          }
          await stream.idle(bus.backstopMs());
        }
      } finally {
        off();
        stream.end();
      }
    },
  });
};
