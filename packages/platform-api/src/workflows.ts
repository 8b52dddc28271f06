/**
 * @module Workflows as the API takes and shows them: the graph (nodes — a type from the registry,
 * its config, chosen credentials, an optional deadline — and edges from an output port to an
 * input port; structure only, what the registry knows is checked by the platform), the workflow
 * around it, the problems a check finds, and the node types a graph may use.
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
      .describe(
        '`core/<name>` for built-ins; `<pluginId>/<node>@<range>` for plugin nodes, the range a semver range (`text-tools/change-case@^1`): the node runs on the highest callable version of the plugin the range takes. Saved without a range, it is pinned to the major of the current version (`^2`; for 0.x its minor, `^0.3`; a pre-release from itself on).',
      ),
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

export const workflowBodySchema = z.object({
  name: z.string().min(1).max(200),
  description: z.string().max(10_000).default(''),
  graph: workflowGraphSchema,
});

export const workflowSchema = workflowBodySchema
  .extend({ id: z.string(), createdAt: z.string(), updatedAt: z.string() })
  .meta({ id: 'Workflow' });
export type Workflow = z.output<typeof workflowSchema>;

/** One problem a graph check found, pointing at the node or edge it concerns. */
export const graphIssueSchema = z.object({
  code: z.string(),
  message: z.string(),
  path: z.array(z.union([z.string(), z.number()])),
  nodeId: z.string().optional(),
  edgeIndex: z.number().int().optional(),
});
export type GraphIssue = z.output<typeof graphIssueSchema>;

/** Where a node type comes from: built in, or a plugin's node (run through its Plugin Server). */
export const nodeOriginSchema = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('builtin') }),
  z.object({
    kind: z.literal('plugin'),
    pluginId: z.string(),
    node: z.string(),
    integrations: z.array(z.string()).readonly(),
    dynamicConfig: z.boolean(),
  }),
]);
export type NodeOrigin = z.output<typeof nodeOriginSchema>;

export { parseNodeRef, type NodeRef } from './node-ref.ts';

export const nodeTypeSchema = z
  .object({
    type: z.string(),
    version: z
      .string()
      .optional()
      .describe("The plugin version these schemas are from (plugin nodes: the current one's)."),
    pin: z
      .string()
      .optional()
      .describe(
        'The reference a new node of this type is saved with: the type and the range of its current major (`text-tools/change-case@^1`).',
      ),
    title: z.string(),
    description: z.string(),
    category: z.string(),
    origin: nodeOriginSchema,
    inputs: z.record(z.string(), z.unknown()),
    outputs: z.record(z.string(), z.unknown()),
    config: z.record(z.string(), z.unknown()),
  })
  .meta({ id: 'NodeType' });
export type NodeTypeView = z.output<typeof nodeTypeSchema>;
