/**
 * @module The shape of a run worked out once from the graph: which edges feed each node, which
 * nodes each one unblocks, and how a node's inputs are gathered from what its sources produced.
 */
import type { WorkflowEdge, WorkflowGraph, WorkflowNode } from '@plugboard/platform-api';

export interface RunPlan {
  readonly nodes: ReadonlyMap<string, WorkflowNode>;
  readonly incoming: ReadonlyMap<string, readonly WorkflowEdge[]>;
  /** Distinct nodes fed by each node. */
  readonly dependents: ReadonlyMap<string, readonly string[]>;
  /** Distinct nodes feeding each node: it is ready once that many have finished. */
  readonly sourceCounts: ReadonlyMap<string, number>;
}

/** Assumes a validated graph: unique ids, edges between existing nodes, no cycles. */
export function planRun(graph: WorkflowGraph): RunPlan {
  const nodes = new Map(graph.nodes.map((node) => [node.id, node]));
  const incoming = new Map<string, WorkflowEdge[]>(graph.nodes.map((n) => [n.id, []]));
  const dependents = new Map<string, Set<string>>(graph.nodes.map((n) => [n.id, new Set()]));
  const sources = new Map<string, Set<string>>(graph.nodes.map((n) => [n.id, new Set()]));
  for (const edge of graph.edges) {
    incoming.get(edge.to.node)?.push(edge);
    dependents.get(edge.from.node)?.add(edge.to.node);
    sources.get(edge.to.node)?.add(edge.from.node);
  }
  return {
    nodes,
    incoming,
    dependents: new Map([...dependents].map(([id, set]) => [id, [...set]])),
    sourceCounts: new Map([...sources].map(([id, set]) => [id, set.size])),
  };
}

/**
 * The node's inputs from its sources' outputs, or undefined when one of them produced nothing
 * for its edge (the source was skipped, or took the other branch): then the node is skipped.
 */
export function gatherInputs(
  edges: readonly WorkflowEdge[],
  outputsOf: (nodeId: string) => Readonly<Record<string, unknown>> | undefined,
): Record<string, unknown> | undefined {
  const inputs: Record<string, unknown> = {};
  for (const edge of edges) {
    const outputs = outputsOf(edge.from.node);
    const value =
      outputs !== undefined && Object.hasOwn(outputs, edge.from.output)
        ? outputs[edge.from.output]
        : undefined;
    if (value === undefined) {
      return undefined;
    }
    inputs[edge.to.input] = value;
  }
  return inputs;
}
