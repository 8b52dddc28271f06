/**
 * @module The run loop: starts every node whose sources have all finished, up to the parallel
 * limit, skips those a skipped source or an untaken branch left without input, and stops
 * starting nodes once the run has failed or been cancelled.
 */
import { OUTPUT_NODE_TYPE, outputConfigSchema } from '../nodes/builtin/output.ts';
import {
  attemptNode,
  platformNodeError,
  type AttemptOutcome,
  type NodeError,
} from './executor-attempt.ts';
import type { ExecuteWorkflowOptions, NodeFinishedEvent, RunResult } from './executor.ts';
import { gatherInputs, planRun } from './executor-plan.ts';

type NodeState =
  | { readonly status: 'succeeded'; readonly outputs: Record<string, unknown> }
  | { readonly status: 'failed' | 'skipped' | 'cancelled' };

type Stop = { kind: 'failed'; nodeId: string; error: NodeError } | { kind: 'cancelled' };

export async function runScheduled(options: ExecuteWorkflowOptions): Promise<RunResult> {
  const { graph, registry, observer } = options;
  const plan = planRun(graph);
  const halt = new AbortController();
  const runSignal = AbortSignal.any([options.signal, halt.signal]);
  const parallel = Math.max(1, options.limits.nodesInParallel);
  const states = new Map<string, NodeState>();
  const waiting = new Map(plan.sourceCounts);
  const ready = graph.nodes.filter((n) => waiting.get(n.id) === 0).map((n) => n.id);
  const running = new Set<Promise<void>>();
  const outputs: Record<string, unknown> = {};
  let stop: Stop | undefined;

  const onCancel = (): void => {
    stop ??= { kind: 'cancelled' };
  };
  options.signal.addEventListener('abort', onCancel, { once: true });
  if (options.signal.aborted) {
    onCancel();
  }

  /** The first failure wins; aborting `halt` stops the nodes still in flight. */
  const failRun = (nodeId: string, error: NodeError): void => {
    if (stop === undefined) {
      stop = { kind: 'failed', nodeId, error };
      halt.abort();
    }
  };

  const observe = async (nodeId: string, report: () => Promise<void> | void): Promise<void> => {
    try {
      await report();
    } catch (error) {
      const reason = error instanceof Error ? error.message : String(error);
      failRun(
        nodeId,
        platformNodeError('PLAT_INTERNAL', `could not record node "${nodeId}": ${reason}`),
      );
    }
  };

  const release = (nodeId: string): void => {
    for (const next of plan.dependents.get(nodeId) ?? []) {
      const left = (waiting.get(next) ?? 1) - 1;
      waiting.set(next, left);
      if (left === 0) {
        ready.push(next);
      }
    }
  };

  const finish = async (event: NodeFinishedEvent, state: NodeState): Promise<void> => {
    states.set(event.nodeId, state);
    await observe(event.nodeId, () => observer.nodeFinished(event));
    release(event.nodeId);
  };

  const attempt = async (
    nodeId: string,
    inputs: Record<string, unknown>,
  ): Promise<AttemptOutcome> => {
    const node = plan.nodes.get(nodeId);
    const definition = node && registry.get(node.type);
    if (node === undefined || definition === undefined) {
      return {
        status: 'failed',
        error: platformNodeError('PLAT_INTERNAL', `node "${nodeId}" vanished from the registry`),
      };
    }
    const outcome = await attemptNode({
      node: definition,
      runSignal,
      call: {
        runId: options.runId,
        nodeId,
        inputs,
        config: node.config,
        timeoutMs: node.timeoutMs ?? options.limits.nodeTimeoutMs,
        runInputs: options.inputs,
        remote: options.remote,
        ...(node.credentials === undefined ? {} : { credentials: node.credentials }),
      },
    });
    if (outcome.status === 'succeeded' && node.type === OUTPUT_NODE_TYPE) {
      const config = outputConfigSchema.safeParse(node.config);
      if (config.success) {
        outputs[config.data.name] = inputs['value'];
      }
    }
    return outcome;
  };

  const runNode = async (nodeId: string, inputs: Record<string, unknown>): Promise<void> => {
    const startedAt = new Date();
    await observe(nodeId, () => observer.nodeStarted({ nodeId, inputs, startedAt }));
    const began = performance.now();
    const outcome = await attempt(nodeId, inputs);
    const timing = { startedAt, finishedAt: new Date(), durationMs: performance.now() - began };
    if (outcome.status === 'succeeded') {
      await finish({ nodeId, status: 'succeeded', outputs: outcome.outputs, ...timing }, outcome);
      return;
    }
    if (outcome.status === 'failed') {
      failRun(nodeId, outcome.error);
    }
    await finish(
      { nodeId, status: outcome.status, error: outcome.error, ...timing },
      { status: outcome.status },
    );
  };

  const outputsOf = (nodeId: string): Record<string, unknown> | undefined => {
    const state = states.get(nodeId);
    return state?.status === 'succeeded' ? state.outputs : undefined;
  };

  try {
    for (;;) {
      while (stop === undefined && running.size < parallel) {
        const nodeId = ready.shift();
        if (nodeId === undefined) {
          break;
        }
        const inputs = gatherInputs(plan.incoming.get(nodeId) ?? [], outputsOf);
        if (inputs === undefined) {
          await finish(
            { nodeId, status: 'skipped', finishedAt: new Date() },
            { status: 'skipped' },
          );
          continue;
        }
        const task: Promise<void> = runNode(nodeId, inputs).finally(() => {
          running.delete(task);
        });
        running.add(task);
      }
      if (running.size === 0) {
        break;
      }
      await Promise.race(running);
    }
  } finally {
    options.signal.removeEventListener('abort', onCancel);
  }

  const ending = stop;
  if (ending?.kind === 'failed') {
    const { code, message } = ending.error;
    return { status: 'failed', outputs, error: { code, message, nodeId: ending.nodeId } };
  }
  if (ending?.kind === 'cancelled') {
    return {
      status: 'cancelled',
      outputs,
      error: { code: 'PLAT_CANCELLED', message: 'the run was cancelled' },
    };
  }
  return { status: 'succeeded', outputs };
}
