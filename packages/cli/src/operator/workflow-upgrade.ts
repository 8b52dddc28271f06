/**
 * @module `plugboard workflows upgrade`: move a workflow's nodes of one plugin to another of its
 * versions (the current one by default). The platform rewrites their references and checks the
 * graph against that version; a graph that does not fit is refused with what to fix, and nothing
 * is saved. `--graph` sends the fixed graph to upgrade and fix in one step.
 */
import { readFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import type { ApiBody } from '@plugboard/platform-api';
import type { OperatorContext } from './context.ts';
import { ApiError, OperatorError } from './errors.ts';
import { json } from './format.ts';
import { formatUpgrade } from './plugin-versions-text.ts';
import { findWorkflow } from './workflows.ts';

type Graph = NonNullable<ApiBody<'upgradeWorkflow'>['graph']>;

export interface UpgradeFlags {
  readonly plugin: string;
  readonly version?: string | undefined;
  readonly graph?: string | undefined;
}

export async function upgradeWorkflow(
  ctx: OperatorContext,
  idOrName: string,
  flags: UpgradeFlags,
): Promise<void> {
  const graph = flags.graph === undefined ? undefined : await readGraph(ctx, flags.graph);
  const workflow = await findWorkflow(ctx, idOrName);
  let answer;
  try {
    answer = await ctx.client.call('upgradeWorkflow', {
      params: { id: workflow.id },
      body: {
        pluginId: flags.plugin,
        ...(flags.version === undefined ? {} : { version: flags.version }),
        ...(graph === undefined ? {} : { graph }),
      },
    });
  } catch (error) {
    if (error instanceof ApiError && error.status === 422) {
      throw new ApiError(
        {
          code: error.code,
          message: error.message,
          ...(error.details === undefined ? {} : { details: { ...error.details } }),
        },
        error.status,
        [
          `  nothing was saved: fix these in "${workflow.name}" for ${flags.plugin} ${flags.version ?? '(its current version)'}, in the web UI's editor or in a copy of its graph,`,
          `  then upgrade and fix in one step: plugboard workflows upgrade ${workflow.id} --plugin ${flags.plugin}${flags.version === undefined ? '' : ` --version ${flags.version}`} --graph <fixed.json>`,
        ],
      );
    }
    throw error;
  }
  ctx.output.result(ctx.json ? json(answer) : formatUpgrade(answer, flags.plugin));
}

/** A graph file: `{ nodes, edges }`, or a workflow file with it under `graph`. */
async function readGraph(ctx: OperatorContext, file: string): Promise<Graph> {
  const full = resolve(ctx.cwd, file);
  let parsed: unknown;
  try {
    parsed = JSON.parse(await readFile(full, 'utf8'));
  } catch (error) {
    throw new OperatorError(
      'CLI_BAD_FILE',
      `cannot read a graph from ${full}: ${(error as Error).message}`,
    );
  }
  const object = (value: unknown): Record<string, unknown> | undefined =>
    typeof value === 'object' && value !== null && !Array.isArray(value)
      ? (value as Record<string, unknown>)
      : undefined;
  const top = object(parsed);
  const graph = object(top?.['graph']) ?? top;
  if (graph === undefined || !Array.isArray(graph['nodes'])) {
    throw new OperatorError(
      'CLI_BAD_FILE',
      `${full} should hold a graph { "nodes": […], "edges": […] } or a workflow with one under "graph"`,
    );
  }
  // Its shape is the platform's to check: it answers every problem at once.
  return graph as Graph;
}
