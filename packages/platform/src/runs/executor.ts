/**
 * @module Runs a workflow graph: validates it and the run's inputs, then executes nodes as soon
 * as everything feeding them has finished, reporting each node to an observer (which records
 * the run). The run fails fast on the first node failure and stops on cancel.
 *
 * Nodes that never started (because the run failed or was cancelled first) get no report: a
 * node without a record did not run, and the run's status says why.
 */
import type { WorkflowGraph } from '@plugboard/platform-api';
import type { RemoteNodeCaller } from '../nodes/node-definition.ts';
import { checkRunInputs } from '../workflows/run-inputs.ts';
import { validateGraph, type GraphIssue, type NodeLookup } from '../workflows/validate-graph.ts';
import type { NodeError } from './executor-attempt.ts';
import { runScheduled } from './executor-scheduler.ts';

interface RunLimits {
  /** How many nodes of this run may execute at once. */
  readonly nodesInParallel: number;
  /** Deadline of a node whose graph entry sets no timeoutMs. */
  readonly nodeTimeoutMs: number;
}

type NodeRunStatus = 'succeeded' | 'failed' | 'skipped' | 'cancelled';

export interface NodeStartedEvent {
  readonly nodeId: string;
  readonly inputs: Record<string, unknown>;
  readonly startedAt: Date;
}

export interface NodeFinishedEvent {
  readonly nodeId: string;
  readonly status: NodeRunStatus;
  readonly outputs?: Record<string, unknown>;
  readonly error?: NodeError;
  /** Absent for skipped nodes, which never start. */
  readonly startedAt?: Date;
  readonly finishedAt: Date;
  readonly durationMs?: number;
}

/**
 * Told about each node as it starts and finishes; each call is awaited before the node goes on
 * (and a node's dependents start only after its nodeFinished), so records arrive in order. An
 * observer that throws fails the run with PLAT_INTERNAL: a run that cannot be recorded stops.
 */
export interface RunObserver {
  nodeStarted(event: NodeStartedEvent): Promise<void> | void;
  nodeFinished(event: NodeFinishedEvent): Promise<void> | void;
}

type RunStatus = 'succeeded' | 'failed' | 'cancelled';

interface RunError {
  readonly code: string;
  readonly message: string;
  readonly nodeId?: string;
  /** `issues` when the graph or the inputs did not validate. */
  readonly details?: Record<string, unknown>;
}

export interface RunResult {
  readonly status: RunStatus;
  /** `{ [name]: value }` of every `core/output` node that ran (so far, when the run stopped). */
  readonly outputs: Record<string, unknown>;
  readonly error?: RunError;
}

export interface ExecuteWorkflowOptions {
  readonly runId: string;
  readonly graph: WorkflowGraph;
  readonly registry: NodeLookup;
  /** How this run's plugin nodes reach the Plugin Server. */
  readonly remote: RemoteNodeCaller;
  readonly inputs: Readonly<Record<string, unknown>>;
  /** Cancels the run: in-flight nodes are aborted and the run ends `cancelled`. */
  readonly signal: AbortSignal;
  readonly limits: RunLimits;
  readonly observer: RunObserver;
}

const CANCELLED_RUN: RunResult = {
  status: 'cancelled',
  outputs: {},
  error: { code: 'PLAT_CANCELLED', message: 'the run was cancelled' },
};

function invalid(code: string, what: string, issues: GraphIssue[]): RunResult {
  return {
    status: 'failed',
    outputs: {},
    error: {
      code,
      message: `${what} has ${String(issues.length)} problem${issues.length === 1 ? '' : 's'}: ${issues.map((i) => i.message).join('; ')}`,
      details: { issues },
    },
  };
}

export async function executeWorkflow(options: ExecuteWorkflowOptions): Promise<RunResult> {
  // Checked again here although saving checked the graph: plugins may have gone since.
  const graphIssues = validateGraph(options.graph, options.registry);
  if (graphIssues.length > 0) {
    return invalid('PLAT_WORKFLOW_INVALID', 'the workflow', graphIssues);
  }
  const inputIssues = checkRunInputs(options.graph, options.inputs);
  if (inputIssues.length > 0) {
    return invalid('PLAT_INPUTS_INVALID', 'the run input', inputIssues);
  }
  if (options.signal.aborted) {
    return CANCELLED_RUN;
  }
  return runScheduled(options);
}
