/**
 * @module `plugboard workflows …`: list, create from a JSON file, and run (by id or name) with
 * inputs and input files, following the run to its end.
 */
import { readFile } from 'node:fs/promises';
import { basename, extname, resolve } from 'node:path';
import type { ApiBody, Workflow } from '@plugboard/platform-api';
import type { OperatorContext } from './context.ts';
import { OperatorError } from './errors.ts';
import { formatTable, json, parsePair } from './format.ts';
import { followRun } from './runs.ts';

type WorkflowView = Workflow;

export async function listWorkflows(ctx: OperatorContext): Promise<void> {
  const answer = await ctx.client.call('listWorkflows');
  if (ctx.json) {
    ctx.output.result(json(answer));
    return;
  }
  if (answer.workflows.length === 0) {
    ctx.output.result('No workflows.');
    return;
  }
  ctx.output.result(
    formatTable(
      [
        { header: 'ID' },
        { header: 'NAME', max: 48 },
        { header: 'NODES', align: 'right' },
        { header: 'UPDATED' },
      ],
      answer.workflows.map((w) => [
        w.id,
        w.name,
        String(w.graph.nodes.length),
        w.updatedAt.replace('T', ' ').replace(/\.\d+Z$|Z$/, 'Z'),
      ]),
    ),
  );
}

export async function createWorkflow(ctx: OperatorContext, file: string): Promise<void> {
  const full = resolve(ctx.cwd, file);
  let text: string;
  try {
    text = await readFile(full, 'utf8');
  } catch (error) {
    throw new OperatorError('CLI_BAD_FILE', `cannot read ${full}: ${(error as Error).message}`);
  }
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch (error) {
    throw new OperatorError(
      'CLI_BAD_FILE',
      `${full} is not valid JSON: ${(error as Error).message}`,
    );
  }
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    throw new OperatorError(
      'CLI_BAD_FILE',
      `${full} should hold { "name": …, "description"?: …, "graph": { "nodes": […], "edges": […] } }`,
    );
  }
  // The file's shape is the platform's to check: it answers every problem at once.
  const created = await ctx.client.call('createWorkflow', {
    body: body as ApiBody<'createWorkflow'>,
  });
  if (ctx.json) {
    ctx.output.result(json(created));
    return;
  }
  ctx.output.result(created.id);
  ctx.output.info(
    `Created workflow "${created.name}" (${String(created.graph.nodes.length)} nodes); run it with: plugboard workflows run ${created.id}`,
  );
}

export interface RunFlags {
  readonly input?: readonly string[] | undefined;
  readonly inputFile?: readonly string[] | undefined;
  readonly wait: boolean;
}

export async function runWorkflow(
  ctx: OperatorContext,
  idOrName: string,
  flags: RunFlags,
): Promise<void> {
  const workflow = await findWorkflow(ctx, idOrName);
  const types = inputTypes(workflow);
  // A text input keeps what was typed: `--input zip=01234` stays "01234".
  const keepText = (key: string) => types.get(key) === 'string';
  const inputs: Record<string, unknown> = {};
  for (const pair of flags.input ?? []) {
    const [key, value] = parsePair(pair, '--input', keepText);
    inputs[key] = value;
  }
  for (const pair of flags.inputFile ?? []) {
    const [key] = parsePair(pair, '--input-file', () => true);
    const file = resolve(ctx.cwd, pair.slice(pair.indexOf('=') + 1));
    const ref = await ctx.client.upload({
      path: file,
      name: basename(file),
      contentType: contentTypeOf(file),
    });
    ctx.output.info(`Uploaded ${ref.name} (${ref.id}, ${String(ref.size)} bytes)`);
    inputs[key] = ref;
  }
  const run = await ctx.client.call('startRun', { params: { id: workflow.id }, body: { inputs } });
  if (!flags.wait) {
    ctx.output.result(ctx.json ? json(run) : run.id);
    return;
  }
  ctx.output.info(`Run ${run.id} of "${workflow.name}" (${run.status})`);
  await followRun(ctx, run);
}

/** The workflow with that id, else the one with that name; refused with the likely ones. */
export async function findWorkflow(ctx: OperatorContext, idOrName: string): Promise<WorkflowView> {
  const { workflows } = await ctx.client.call('listWorkflows');
  const byId = workflows.find((w) => w.id === idOrName);
  if (byId !== undefined) {
    return byId;
  }
  const named = workflows.filter((w) => w.name === idOrName);
  const [only] = named;
  if (named.length === 1 && only !== undefined) {
    return only;
  }
  const list = (candidates: readonly WorkflowView[]) =>
    candidates.map((w) => `  ${w.id}  ${w.name}`);
  if (named.length > 1) {
    throw new OperatorError(
      'CLI_WORKFLOW_AMBIGUOUS',
      `${String(named.length)} workflows are named "${idOrName}"; run one by its id`,
      { lines: list(named) },
    );
  }
  const lower = idOrName.toLowerCase();
  const similar = workflows.filter(
    (w) => w.name.toLowerCase().includes(lower) || w.id.toLowerCase().startsWith(lower),
  );
  const candidates = similar.length > 0 ? similar : workflows;
  throw new OperatorError(
    'CLI_WORKFLOW_NOT_FOUND',
    `no workflow has the id or name "${idOrName}"`,
    {
      lines:
        workflows.length === 0
          ? ['  there are no workflows: create one with `plugboard workflows create <file.json>`']
          : [
              similar.length > 0 ? '  did you mean one of these?' : '  the workflows are:',
              ...list(candidates.slice(0, 20)),
              ...(candidates.length > 20 ? [`  … and ${String(candidates.length - 20)} more`] : []),
            ],
    },
  );
}

function inputTypes(workflow: WorkflowView): Map<string, string> {
  const types = new Map<string, string>();
  for (const node of workflow.graph.nodes) {
    const name = node.config['name'];
    const type = node.config['type'];
    if (node.type === 'core/input' && typeof name === 'string') {
      types.set(name, typeof type === 'string' ? type : 'any');
    }
  }
  return types;
}

const CONTENT_TYPES: Readonly<Record<string, string>> = {
  '.txt': 'text/plain',
  '.md': 'text/markdown',
  '.csv': 'text/csv',
  '.html': 'text/html',
  '.json': 'application/json',
  '.xml': 'application/xml',
  '.pdf': 'application/pdf',
  '.zip': 'application/zip',
  '.gz': 'application/gzip',
  '.png': 'image/png',
  '.jpg': 'image/jpeg',
  '.jpeg': 'image/jpeg',
  '.gif': 'image/gif',
  '.svg': 'image/svg+xml',
  '.webp': 'image/webp',
  '.mp3': 'audio/mpeg',
  '.wav': 'audio/wav',
  '.mp4': 'video/mp4',
};

function contentTypeOf(file: string): string {
  return CONTENT_TYPES[extname(file).toLowerCase()] ?? 'application/octet-stream';
}
