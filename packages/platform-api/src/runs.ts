/**
 * @module A run as the API shows it: the workflow's inputs and outputs, the status, and every
 * node's inputs, outputs, error and timing.
 */
import { z } from 'zod';

export const RUN_STATUSES = ['queued', 'running', 'succeeded', 'failed', 'cancelled'] as const;
export type RunStatus = (typeof RUN_STATUSES)[number];
export const NODE_RUN_STATUSES = [
  'pending',
  'running',
  'succeeded',
  'failed',
  'skipped',
  'cancelled',
] as const;
export type NodeRunStatus = (typeof NODE_RUN_STATUSES)[number];

export const runErrorSchema = z.object({
  code: z.string(),
  message: z.string(),
  kind: z.string().optional(),
  retryable: z.boolean().optional(),
  nodeId: z.string().optional(),
  details: z.record(z.string(), z.unknown()).optional(),
});
export type RunError = z.infer<typeof runErrorSchema>;

export const nodeRunSchema = z
  .object({
    nodeId: z.string(),
    status: z.enum(NODE_RUN_STATUSES),
    inputs: z.record(z.string(), z.unknown()).optional(),
    outputs: z.record(z.string(), z.unknown()).optional(),
    error: runErrorSchema.optional(),
    startedAt: z.string().optional(),
    finishedAt: z.string().optional(),
    durationMs: z.number().optional(),
  })
  .meta({ id: 'NodeRun' });
export type NodeRun = z.infer<typeof nodeRunSchema>;

export const runSchema = z
  .object({
    id: z.string(),
    workflowId: z.string(),
    status: z.enum(RUN_STATUSES),
    inputs: z.record(z.string(), z.unknown()),
    outputs: z.record(z.string(), z.unknown()).optional(),
    error: runErrorSchema.optional(),
    cancelRequested: z.boolean(),
    createdAt: z.string(),
    startedAt: z.string().optional(),
    finishedAt: z.string().optional(),
    nodes: z.array(nodeRunSchema),
  })
  .meta({ id: 'Run' });
export type Run = z.infer<typeof runSchema>;

export const RUN_EVENT_TYPES = [
  'run.started',
  'node.started',
  'node.finished',
  'run.finished',
] as const;
export type RunEventType = (typeof RUN_EVENT_TYPES)[number];
export interface RunEvent {
  readonly id: number;
  readonly type: RunEventType;
  readonly data: Record<string, unknown>;
}
