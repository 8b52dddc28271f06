/**
 * @module Runs: follow one over its event stream (progress on stderr, outputs at the end, Ctrl-C
 * cancels it) and show one (status, timing, outputs, a table of its nodes).
 */
import type { Run } from '@plugboard/platform-api';
import type { OperatorContext } from './context.ts';
import { OperatorError } from './errors.ts';
import { formatDuration, formatPairs, formatTable, json, sleep } from './format.ts';

export type RunView = Run;

const FINISHED = ['succeeded', 'failed', 'cancelled'];

/**
 * Follows a run's events until it finishes (reconnecting after the last event seen when the
 * stream drops), then prints its outputs, or its error and exit code 1. Ctrl-C cancels the run and
 * exits 130.
 */
export async function followRun(ctx: OperatorContext, started: RunView): Promise<void> {
  const stop = new AbortController();
  let cancelling: Promise<void> | undefined;
  const onInterrupt = () => {
    if (cancelling !== undefined) {
      return;
    }
    ctx.output.info(`Cancelling run ${started.id}…`);
    // Bounded, so a platform that does not answer cannot keep the CLI from exiting.
    const signal = AbortSignal.timeout(10_000);
    cancelling = ctx.client.call('cancelRun', { params: { id: started.id }, signal }).then(
      () => undefined,
      (error: unknown) => {
        ctx.output.info(`  could not cancel it: ${(error as Error).message}`);
      },
    );
    stop.abort();
  };
  process.on('SIGINT', onInterrupt);
  try {
    await streamUntilFinished(ctx, started.id, stop.signal);
  } finally {
    process.off('SIGINT', onInterrupt);
  }
  if (cancelling !== undefined) {
    await cancelling;
    ctx.output.info(`Run ${started.id} cancelled`);
    ctx.setExitCode(130);
    return;
  }
  const run = await ctx.client.call('getRun', { params: { id: started.id } });
  if (ctx.json) {
    ctx.output.result(json(run));
  } else if (run.status === 'succeeded') {
    const outputs = formatPairs(run.outputs ?? {});
    if (outputs.length === 0) {
      ctx.output.info('(the run has no outputs)');
    } else {
      ctx.output.result(outputs.join('\n'));
    }
  }
  if (run.status !== 'succeeded') {
    throw runFailure(run);
  }
  ctx.output.info(`Run ${run.id} succeeded${durationOf(run)}`);
}

async function streamUntilFinished(
  ctx: OperatorContext,
  runId: string,
  signal: AbortSignal,
): Promise<void> {
  let lastEventId: string | undefined;
  let drops = 0;
  for (;;) {
    let finished = false;
    try {
      for await (const event of ctx.client.runEvents(runId, { lastEventId, signal })) {
        lastEventId = event.id ?? lastEventId;
        drops = 0;
        finished = progress(ctx, event.event, event.data);
        if (finished) {
          break;
        }
      }
    } catch (error) {
      if (signal.aborted) {
        return;
      }
      drops += 1;
      // Not reachable at all stays an error; a dropped stream is retried a few times.
      if ((error as { code?: unknown }).code !== undefined || drops > 5) {
        throw error;
      }
    }
    if (finished || signal.aborted) {
      return;
    }
    // The stream ended without run.finished: ask the run itself, then resume after the last event.
    const run = await ctx.client.call('getRun', { params: { id: runId } });
    if (FINISHED.includes(run.status)) {
      return;
    }
    await sleep(500, signal);
  }
}

/** Prints one event as progress; answers whether it ends the run. */
function progress(ctx: OperatorContext, type: string, data: string): boolean {
  let event: Record<string, unknown>;
  try {
    event = JSON.parse(data) as Record<string, unknown>;
  } catch {
    return false;
  }
  const nodeId = typeof event['nodeId'] === 'string' ? event['nodeId'] : '?';
  switch (type) {
    case 'run.started':
      ctx.output.info('  run started');
      return false;
    case 'node.started':
      ctx.output.info(`  ${nodeId} started`);
      return false;
    case 'node.finished': {
      const status = typeof event['status'] === 'string' ? event['status'] : '?';
      const ms = typeof event['durationMs'] === 'number' ? event['durationMs'] : undefined;
      const error = event['error'] as Run['error'];
      ctx.output.info(
        `  ${nodeId} ${status}${ms === undefined ? '' : ` in ${formatDuration(ms)}`}${error === undefined ? '' : `: ${error.code}: ${error.message}`}`,
      );
      return false;
    }
    case 'run.finished':
      ctx.output.info(
        `  run ${typeof event['status'] === 'string' ? event['status'] : 'finished'}`,
      );
      return true;
    default:
      return false;
  }
}

function runFailure(run: RunView): OperatorError {
  const error = run.error;
  const node = error?.nodeId === undefined ? '' : ` (node ${error.nodeId})`;
  return new OperatorError(
    error === undefined ? 'CLI_RUN_FAILED' : { passedOn: error.code },
    `run ${run.id} ${run.status}${node}: ${error?.message ?? 'no error given'}`,
  );
}

function durationOf(run: RunView): string {
  if (run.startedAt === undefined || run.finishedAt === undefined) {
    return '';
  }
  return ` in ${formatDuration(Date.parse(run.finishedAt) - Date.parse(run.startedAt))}`;
}

export async function showRun(ctx: OperatorContext, id: string): Promise<void> {
  const run = await ctx.client.call('getRun', { params: { id } });
  if (ctx.json) {
    ctx.output.result(json(run));
    return;
  }
  const lines = [
    `Run ${run.id}: ${run.status}${run.cancelRequested && run.status !== 'cancelled' ? ' (cancel requested)' : ''}`,
    `  workflow  ${run.workflowId}`,
    `  created   ${run.createdAt}`,
    ...(run.startedAt === undefined ? [] : [`  started   ${run.startedAt}`]),
    ...(run.finishedAt === undefined
      ? []
      : [
          `  finished  ${run.finishedAt}${run.startedAt === undefined ? '' : ` (${formatDuration(Date.parse(run.finishedAt) - Date.parse(run.startedAt))})`}`,
        ]),
  ];
  if (run.error !== undefined) {
    lines.push(
      `  error     ${run.error.code}: ${run.error.message}${run.error.nodeId === undefined ? '' : ` (node ${run.error.nodeId})`}`,
    );
  }
  const inputs = formatPairs(run.inputs, '  ');
  lines.push('Inputs:', ...(inputs.length === 0 ? ['  (none)'] : inputs));
  if (run.outputs !== undefined) {
    const outputs = formatPairs(run.outputs, '  ');
    lines.push('Outputs:', ...(outputs.length === 0 ? ['  (none)'] : outputs));
  }
  lines.push(
    'Nodes:',
    formatTable(
      [
        { header: 'NODE' },
        { header: 'STATUS' },
        { header: 'DURATION MS', align: 'right' },
        { header: 'ERROR', max: 80 },
      ],
      run.nodes.map((n) => [
        n.nodeId,
        n.status,
        n.durationMs === undefined ? '' : String(Math.round(n.durationMs)),
        n.error === undefined ? '' : `${n.error.code}: ${n.error.message}`,
      ]),
    )
      .split('\n')
      .map((l) => `  ${l}`)
      .join('\n'),
  );
  ctx.output.result(lines.join('\n'));
}
