/**
 * @module Plugin nodes pinned to a version range (`text-tools/change-case@^1`): the registry's
 * type a saved node names (without its range), whether the range leaves out its plugin's current
 * version (the node runs on another installed version), and which plugins a workflow could be
 * upgraded to.
 */
import { parseNodeRef } from '@plugboard/platform-api/client';
import { satisfies, validRange } from 'semver';
import type { GraphNode, NodeType, WorkflowGraph } from '../api/types.ts';

/** The registry's node type a saved node names, whatever range it is pinned to. */
export function typeOfNode(
  types: ReadonlyMap<string, NodeType>,
  node: Pick<GraphNode, 'type'>,
): NodeType | undefined {
  return types.get(parseNodeRef(node.type).base);
}

/** The range a saved node is pinned to, if any. */
export function rangeOf(node: Pick<GraphNode, 'type'>): string | undefined {
  return parseNodeRef(node.type).range;
}

/**
 * Whether the node's range leaves out its plugin's current version: it runs on another version
 * (one kept installed for it; none after a rollback above it), and the registry's schemas, which
 * are the current version's, may not be its own.
 */
export function isBehind(node: Pick<GraphNode, 'type'>, type: NodeType | undefined): boolean {
  const range = rangeOf(node);
  return (
    range !== undefined &&
    type?.version !== undefined &&
    validRange(range) !== null &&
    !satisfies(type.version, range)
  );
}

export interface OutdatedPlugin {
  readonly pluginId: string;
  /** The plugin's current version, which an upgrade moves the nodes to. */
  readonly current: string;
  /** The ranges its nodes are pinned to. */
  readonly ranges: readonly string[];
  readonly nodeIds: readonly string[];
}

/** The plugins some of whose nodes in the graph are pinned to a range without their current version. */
export function outdatedPlugins(
  graph: WorkflowGraph,
  types: ReadonlyMap<string, NodeType>,
): OutdatedPlugin[] {
  const byPlugin = new Map<string, { current: string; ranges: Set<string>; nodeIds: string[] }>();
  for (const node of graph.nodes) {
    const type = typeOfNode(types, node);
    if (type?.origin.kind !== 'plugin' || type.version === undefined || !isBehind(node, type)) {
      continue;
    }
    const entry = byPlugin.get(type.origin.pluginId) ?? {
      current: type.version,
      ranges: new Set<string>(),
      nodeIds: [],
    };
    entry.ranges.add(rangeOf(node) ?? '');
    entry.nodeIds.push(node.id);
    byPlugin.set(type.origin.pluginId, entry);
  }
  return [...byPlugin].map(([pluginId, e]) => ({
    pluginId,
    current: e.current,
    ranges: [...e.ranges],
    nodeIds: e.nodeIds,
  }));
}
