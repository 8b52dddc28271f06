/**
 * @module Which nodes of one saved workflow a plugin update would break, and why: a change counts
 * only where the graph uses what changed — an edge into a removed or narrowed input, an edge out
 * of a removed or changed output, a required input left unconnected, a saved setting that was
 * removed or narrowed, a required setting not saved, credentials chosen for an integration the
 * node dropped. The operator's changes (plugin config, integrations) reach every workflow alike
 * and are shown apart, so they are not repeated here.
 */
import { parseNodeRef, type WorkflowGraph, type WorkflowNode } from '@plugboard/platform-api';
import type {
  BreakingChange,
  PluginVersionCompatibility,
} from '../plugins/plugin-version-compatibility.ts';

export interface AffectedWorkflowNode {
  readonly nodeId: string;
  readonly nodeType: string;
  readonly change: BreakingChange;
  /** What in this workflow the change reaches. */
  readonly reason: string;
  /** The edge concerned, when the change reaches the workflow through one. */
  readonly edgeIndex?: number;
}

type Reach = Omit<AffectedWorkflowNode, 'nodeId' | 'nodeType' | 'change'>;

function edgesInto(graph: WorkflowGraph, node: WorkflowNode, input: string | undefined): Reach[] {
  return graph.edges.flatMap((edge, edgeIndex) =>
    edge.to.node === node.id && (input === undefined || edge.to.input === input)
      ? [
          {
            edgeIndex,
            reason: `edge ${String(edgeIndex)} from "${edge.from.node}".${edge.from.output} feeds input "${edge.to.input}"`,
          },
        ]
      : [],
  );
}

function edgesFrom(graph: WorkflowGraph, node: WorkflowNode, output: string | undefined): Reach[] {
  return graph.edges.flatMap((edge, edgeIndex) =>
    edge.from.node === node.id && (output === undefined || edge.from.output === output)
      ? [
          {
            edgeIndex,
            reason: `edge ${String(edgeIndex)} from output "${edge.from.output}" feeds "${edge.to.node}".${edge.to.input}`,
          },
        ]
      : [],
  );
}

/** Where `change` reaches this workflow node; empty when the workflow does not use what changed. */
function reachOf(graph: WorkflowGraph, node: WorkflowNode, change: BreakingChange): Reach[] {
  const { name, integration } = change;
  const everyUse: Reach[] = [{ reason: `the workflow uses ${node.type}` }];
  const saved = name !== undefined && Object.hasOwn(node.config, name);
  switch (change.kind) {
    case 'node_removed':
    case 'node_integration_added':
      return everyUse;
    case 'node_integration_removed':
      return integration !== undefined && node.credentials?.[integration] !== undefined
        ? [{ reason: `the node chose credentials for "${integration}"` }]
        : [];
    case 'input_removed':
    case 'input_narrowed':
      return edgesInto(graph, node, name);
    case 'input_required':
      return edgesInto(graph, node, name).length === 0
        ? [{ reason: `no edge feeds input "${name ?? ''}"` }]
        : [];
    case 'output_removed':
    case 'output_changed':
      return edgesFrom(graph, node, name);
    case 'config_field_removed':
    case 'config_narrowed':
      if (name === undefined) {
        return everyUse;
      }
      return saved ? [{ reason: `the node's config sets "${name}"` }] : [];
    case 'config_field_required':
      return saved ? [] : [{ reason: `the node's config does not set "${name ?? ''}"` }];
    case 'plugin_config_field_removed':
    case 'plugin_config_field_required':
    case 'plugin_config_narrowed':
    case 'integration_removed':
    case 'credentials_field_removed':
    case 'credentials_field_required':
    case 'credentials_narrowed':
      return [];
  }
}

/** Every node of `graph` the update in `compatibility` breaks, once per change and edge. */
export function affectedWorkflowNodes(
  compatibility: PluginVersionCompatibility,
  graph: WorkflowGraph,
): AffectedWorkflowNode[] {
  const byType = new Map(
    compatibility.nodes.map((n) => [`${compatibility.pluginId}/${n.node}`, n.changes]),
  );
  return graph.nodes.flatMap((node) =>
    (byType.get(parseNodeRef(node.type).base) ?? []).flatMap((change) =>
      reachOf(graph, node, change).map((reach) => ({
        nodeId: node.id,
        nodeType: node.type,
        change,
        ...reach,
      })),
    ),
  );
}
