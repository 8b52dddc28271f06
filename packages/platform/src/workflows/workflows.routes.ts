/**
 * @module `/api/workflows` and `/api/nodes`: the node registry as the editor sees it, and
 * workflows, validated against the registry's schemas whenever they are saved.
 */
import { errorEnvelopeSchema } from '@plugboard/protocol';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { apiSchema, errorAnswers } from '../http/api-schema.ts';
import { z } from 'zod';
import { PlatformError } from '../errors.ts';
import type { NodeRegistry } from '../nodes/node-registry.ts';
import { API_ROUTES as at, type WorkflowGraph } from '@plugboard/platform-api';
import { pinNodes, upgradeWorkflow } from './node-pins.ts';
import { validateGraph } from './validate-graph.ts';
import type { Workflow, WorkflowRepository } from './workflow-repository.ts';

const errors = errorAnswers(400, 401, 404, 422);

export const workflowsRoutes: FastifyPluginAsyncZod<{
  workflows: WorkflowRepository;
  registry: () => Promise<NodeRegistry>;
}> = async (app, { workflows, registry }) => {
  const checked = async (graph: WorkflowGraph): Promise<void> => {
    const issues = validateGraph(graph, await registry());
    if (issues.length > 0) {
      throw new PlatformError(
        'PLAT_WORKFLOW_INVALID',
        `the workflow graph has ${String(issues.length)} problem${issues.length === 1 ? '' : 's'}: ${issues
          .slice(0, 5)
          .map((i) => i.message)
          .join('; ')}${issues.length > 5 ? '; …' : ''}`,
        { details: { issues } },
      );
    }
  };
  const found = async (id: string): Promise<Workflow> => {
    const workflow = await workflows.get(id);
    if (workflow === undefined) {
      throw new PlatformError('PLAT_WORKFLOW_NOT_FOUND', `no workflow "${id.slice(0, 80)}"`);
    }
    return workflow;
  };

  app.get(at.listNodes.path, {
    schema: apiSchema('listNodes', errors),
    handler: async () => ({ nodes: (await registry()).list() }),
  });

  app.get(at.listWorkflows.path, {
    schema: apiSchema('listWorkflows', errors),
    handler: async () => ({ workflows: await workflows.list() }),
  });

  app.post(at.validateWorkflow.path, {
    schema: apiSchema('validateWorkflow', errors),
    handler: async (request) => {
      const issues = validateGraph(request.body.graph, await registry());
      return { valid: issues.length === 0, issues };
    },
  });

  app.post(at.createWorkflow.path, {
    schema: apiSchema('createWorkflow', errors),
    handler: async (request, reply) => {
      const { graph } = pinNodes(request.body.graph, await registry());
      await checked(graph);
      return reply.code(201).send(await workflows.create({ ...request.body, graph }));
    },
  });

  app.get(at.getWorkflow.path, {
    schema: apiSchema('getWorkflow', errors),
    handler: async (request) => found(request.params.id),
  });

  app.put(at.updateWorkflow.path, {
    schema: apiSchema('updateWorkflow', errors),
    handler: async (request) => {
      await found(request.params.id);
      const { graph } = pinNodes(request.body.graph, await registry());
      await checked(graph);
      return (
        (await workflows.update(request.params.id, { ...request.body, graph })) ??
        found(request.params.id)
      );
    },
  });

  app.post(at.upgradeWorkflow.path, {
    schema: apiSchema('upgradeWorkflow', { ...errors, 409: errorEnvelopeSchema }),
    handler: async (request) =>
      upgradeWorkflow(
        { workflows, registry: await registry() },
        await found(request.params.id),
        request.body,
      ),
  });

  app.delete(at.deleteWorkflow.path, {
    schema: apiSchema('deleteWorkflow', { 204: z.null(), ...errors, 409: errorEnvelopeSchema }),
    handler: async (request, reply) => {
      const outcome = await workflows.delete(request.params.id);
      if (outcome === 'missing') {
        await found(request.params.id);
      }
      if (outcome === 'busy') {
        throw new PlatformError(
          'PLAT_CONFLICT',
          'a run of this workflow is queued or running; cancel it or let it finish first',
        );
      }
      return reply.code(204).send(null);
    },
  });
};
