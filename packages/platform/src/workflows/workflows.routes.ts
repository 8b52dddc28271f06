/**
 * @module `/api/workflows` and `/api/nodes`: the node registry as the editor sees it, and
 * workflows, validated against the registry's schemas whenever they are saved.
 */
import { errorEnvelopeSchema } from '@plugboard/protocol';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { PlatformError } from '../errors.ts';
import type { NodeRegistry } from '../nodes/node-registry.ts';
import {
  graphIssueSchema,
  nodeTypeSchema,
  workflowBodySchema,
  workflowGraphSchema,
  workflowSchema,
  type WorkflowGraph,
} from '@plugboard/platform-api';
import { validateGraph } from './validate-graph.ts';
import type { Workflow, WorkflowRepository } from './workflow-repository.ts';

const errors = {
  400: errorEnvelopeSchema,
  401: errorEnvelopeSchema,
  404: errorEnvelopeSchema,
  422: errorEnvelopeSchema,
};
const idParams = z.object({ id: z.string().min(1).max(128) });

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

  app.get('/api/nodes', {
    schema: {
      summary: 'The node registry: built-in nodes and the nodes of running plugins, with schemas',
      response: { 200: z.object({ nodes: z.array(nodeTypeSchema) }), ...errors },
    },
    handler: async () => ({ nodes: (await registry()).list() }),
  });

  app.get('/api/workflows', {
    schema: {
      summary: 'Every workflow',
      response: { 200: z.object({ workflows: z.array(workflowSchema) }), ...errors },
    },
    handler: async () => ({ workflows: await workflows.list() }),
  });

  app.post('/api/workflows/validate', {
    schema: {
      summary: 'Check a graph against the registry without saving it; every problem at once',
      body: z.object({ graph: workflowGraphSchema }),
      response: {
        200: z.object({ valid: z.boolean(), issues: z.array(graphIssueSchema) }),
        ...errors,
      },
    },
    handler: async (request) => {
      const issues = validateGraph(request.body.graph, await registry());
      return { valid: issues.length === 0, issues };
    },
  });

  app.post('/api/workflows', {
    schema: {
      summary: 'Save a new workflow (422 with every graph problem when it does not validate)',
      body: workflowBodySchema,
      response: { 201: workflowSchema, ...errors },
    },
    handler: async (request, reply) => {
      await checked(request.body.graph);
      return reply.code(201).send(await workflows.create(request.body));
    },
  });

  app.get('/api/workflows/:id', {
    schema: {
      summary: 'One workflow',
      params: idParams,
      response: { 200: workflowSchema, ...errors },
    },
    handler: async (request) => found(request.params.id),
  });

  app.put('/api/workflows/:id', {
    schema: {
      summary: 'Replace a workflow (validated like a new one)',
      params: idParams,
      body: workflowBodySchema,
      response: { 200: workflowSchema, ...errors },
    },
    handler: async (request) => {
      await found(request.params.id);
      await checked(request.body.graph);
      return (await workflows.update(request.params.id, request.body)) ?? found(request.params.id);
    },
  });

  app.delete('/api/workflows/:id', {
    schema: {
      summary: 'Delete a workflow and its finished runs (409 while one is under way)',
      params: idParams,
      response: { 204: z.null(), ...errors, 409: errorEnvelopeSchema },
    },
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
