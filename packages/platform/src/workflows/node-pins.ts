/**
 * @module Which plugin version each workflow node runs on is saved with it, as a range
 * (`text-tools/shout@^1`): a node saved without one is pinned to the major of its plugin's
 * current version, when it is saved and, for workflows saved before ranges existed, when the
 * platform starts. Upgrading a workflow moves its nodes of one plugin to another version's major,
 * once its graph is checked against that version.
 */
import {
  parseNodeRef,
  type GraphIssue,
  type WorkflowGraph,
  type WorkflowUpgrade,
} from '@plugboard/platform-api';
import { defaultRange } from '@plugboard/server-api';
import { PlatformError } from '../errors.ts';
import type { NodeRegistry } from '../nodes/node-registry.ts';
import { validateGraph } from './validate-graph.ts';
import type { Workflow, WorkflowRepository } from './workflow-repository.ts';

interface Rewritten {
  readonly graph: WorkflowGraph;
  readonly rewritten: WorkflowUpgrade['upgraded'];
}

/** The graph with every unpinned node of a registered plugin pinned to its current major. */
export function pinNodes(graph: WorkflowGraph, registry: NodeRegistry): Rewritten {
  return rewrite(graph, (ref) => {
    const current = registry.currentVersion(ref.prefix);
    return ref.range !== undefined || current === undefined
      ? undefined
      : `${ref.base}@${defaultRange(current)}`;
  });
}

/**
 * Pins the nodes of every saved workflow that has unpinned ones (saved before versions were
 * pinned) to the major of the current version. A workflow edited meanwhile is left to its next
 * save. Answers how many were pinned, and how many still hold unpinned nodes of `installed`
 * plugins not running now (pinned once they run).
 */
export async function pinSavedWorkflows(
  workflows: WorkflowRepository,
  registry: NodeRegistry,
  installed: ReadonlySet<string>,
): Promise<{ pinned: number; waiting: number }> {
  let pinned = 0;
  let waiting = 0;
  for (const workflow of await workflows.list()) {
    const { graph, rewritten } = pinNodes(workflow.graph, registry);
    if (
      rewritten.length > 0 &&
      (await workflows.rewriteGraph(workflow.id, workflow.graph, graph))
    ) {
      pinned += 1;
    }
    const unpinned = graph.nodes.some((node) => {
      const ref = parseNodeRef(node.type);
      return ref.range === undefined && installed.has(ref.prefix);
    });
    waiting += unpinned ? 1 : 0;
  }
  return { pinned, waiting };
}

/**
 * The workflow with its nodes of `pluginId` moved to `version` (the current one by default),
 * checked against it and saved; refused with what to fix when the graph does not fit it.
 */
export async function upgradeWorkflow(
  deps: { readonly workflows: WorkflowRepository; readonly registry: NodeRegistry },
  workflow: Workflow,
  request: { pluginId: string; version?: string | undefined; graph?: WorkflowGraph | undefined },
): Promise<WorkflowUpgrade> {
  const { registry } = deps;
  const version = request.version ?? registry.currentVersion(request.pluginId);
  if (version === undefined || registry.resolve(request.pluginId, version) !== version) {
    throw new PlatformError(
      'PLAT_CONFLICT',
      version === undefined
        ? `plugin "${request.pluginId}" has no version running to upgrade to; install or start it first`
        : `version ${version} of plugin "${request.pluginId}" is not one nodes can run on (only current and kept versions are); make it current first`,
    );
  }
  const range = defaultRange(version);
  const { graph: moved, rewritten } = rewrite(request.graph ?? workflow.graph, (ref) =>
    ref.prefix === request.pluginId && ref.range !== range ? `${ref.base}@${range}` : undefined,
  );
  // Other plugins' nodes in a graph sent with the upgrade are pinned as any save pins them.
  const { graph } = pinNodes(moved, registry);
  const issues = validateGraph(graph, registry);
  if (issues.length > 0) {
    throw new PlatformError(
      'PLAT_WORKFLOW_INVALID',
      `the workflow does not fit version ${version} of plugin "${request.pluginId}" yet: ${describe(issues)}; fix these and send the fixed graph with the upgrade`,
      { details: { issues } },
    );
  }
  const saved = await deps.workflows.update(
    workflow.id,
    { ...workflow, graph },
    { changedFrom: workflow.graph },
  );
  if (saved === undefined) {
    throw new PlatformError(
      'PLAT_CONFLICT',
      `workflow "${workflow.id}" changed (or was deleted) while it was upgraded; upgrade it again`,
    );
  }
  return { workflow: saved, upgraded: rewritten };
}

function rewrite(
  graph: WorkflowGraph,
  pin: (ref: ReturnType<typeof parseNodeRef>) => string | undefined,
): Rewritten {
  const rewritten: WorkflowUpgrade['upgraded'][number][] = [];
  const nodes = graph.nodes.map((node) => {
    const to = pin(parseNodeRef(node.type));
    if (to === undefined || to === node.type) {
      return node;
    }
    rewritten.push({ nodeId: node.id, from: node.type, to });
    return { ...node, type: to };
  });
  return { graph: rewritten.length === 0 ? graph : { ...graph, nodes }, rewritten };
}

function describe(issues: readonly GraphIssue[]): string {
  return `${issues
    .slice(0, 5)
    .map((i) => i.message)
    .join('; ')}${issues.length > 5 ? '; …' : ''}`;
}
