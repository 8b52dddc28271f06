/**
 * @module The workflow graph as stored and sent over the API: nodes (a type from the registry,
 * its config, chosen credentials, an optional deadline) and edges from an output port to an input
 * port. Structure only; what the registry knows is checked by validateGraph.
 */
import { z } from 'zod';
import { componentNameSchema } from '@plugboard/protocol';

/** Caps keep one saved workflow from costing the validator or the editor unbounded work. */
export const GRAPH_LIMITS = { nodes: 500, edges: 2000 } as const;

export const nodeIdSchema = z
  .string()
  .regex(/^[A-Za-z_][A-Za-z0-9_-]{0,63}$/, {
    message: 'use 1–64 letters, digits, "_" or "-", starting with a letter or "_"',
  })
  .meta({ id: 'WorkflowNodeId' });

const portNameSchema = z.string().min(1).max(128);

export const workflowNodeSchema = z
  .object({
    id: nodeIdSchema,
    type: z
      .string()
      .min(1)
      .max(200)
      .describe('`core/<name>` for built-ins, `<pluginId>/<node>` for plugin nodes.'),
    config: z.record(z.string(), z.unknown()).default({}),
    credentials: z
      .record(componentNameSchema, z.string().min(1))
      .optional()
      .describe('Credential id to use for each integration the node declares.'),
    timeoutMs: z
      .number()
      .int()
      .min(1)
      .max(86_400_000)
      .optional()
      .describe('Deadline of this node; the platform default when absent.'),
    position: z.object({ x: z.number(), y: z.number() }).optional().describe('Editor layout.'),
  })
  .meta({ id: 'WorkflowNode' });
export type WorkflowNode = z.output<typeof workflowNodeSchema>;

export const workflowEdgeSchema = z
  .object({
    from: z.object({ node: nodeIdSchema, output: portNameSchema }),
    to: z.object({ node: nodeIdSchema, input: portNameSchema }),
  })
  .meta({ id: 'WorkflowEdge' });
export type WorkflowEdge = z.output<typeof workflowEdgeSchema>;

export const workflowGraphSchema = z
  .object({
    nodes: z.array(workflowNodeSchema).max(GRAPH_LIMITS.nodes),
    edges: z.array(workflowEdgeSchema).max(GRAPH_LIMITS.edges).default([]),
  })
  .meta({ id: 'WorkflowGraph' });
export type WorkflowGraph = z.output<typeof workflowGraphSchema>;
export type WorkflowGraphInput = z.input<typeof workflowGraphSchema>;
