/**
 * @module The editor's graph operations, pure: ports of a node, node ids, adding, moving,
 * connecting and removing. The platform validates the result; nothing here second-guesses it.
 */
import type { GraphEdge, GraphNode, JsonSchema, NodeType, WorkflowGraph } from '../api/types.ts';

export const NODE_WIDTH = 210;
const HEADER_HEIGHT = 44;
const PORT_ROW_HEIGHT = 26;

export interface Ports {
  readonly inputs: readonly string[];
  readonly outputs: readonly string[];
  /** Whether any input name is accepted (`core/template`): the user adds them. */
  readonly openInputs: boolean;
  readonly required: ReadonlySet<string>;
}

export interface PortRef {
  readonly node: string;
  readonly port: string;
}

function keys(schema: JsonSchema | undefined): string[] {
  const properties = schema?.['properties'];
  return typeof properties === 'object' && properties !== null ? Object.keys(properties) : [];
}

function isOpen(schema: JsonSchema | undefined): boolean {
  const extra = schema?.['additionalProperties'];
  return extra === true || (typeof extra === 'object' && extra !== null);
}

/**
 * A node's ports: declared ones, plus, for a node open to any input name, those its edges use and
 * those the user added. A node whose type is unknown, or that is pinned to an older version than
 * the one whose schemas the registry has (`behind`), also shows the ports its edges use.
 */
export function portsOf(
  node: GraphNode,
  context: {
    type: NodeType | undefined;
    edges: readonly GraphEdge[];
    extraInputs: readonly string[];
    behind?: boolean;
  },
): Ports {
  const declared = keys(context.type?.inputs);
  const openInputs = isOpen(context.type?.inputs);
  const trustEdges = context.type === undefined || context.behind === true;
  const used = context.edges.filter((e) => e.to.node === node.id).map((e) => e.to.input);
  const inputs = openInputs
    ? [...new Set([...declared, ...used, ...context.extraInputs])]
    : [...new Set([...declared, ...(trustEdges ? used : [])])];
  const usedOutputs = context.edges
    .filter((e) => e.from.node === node.id)
    .map((e) => e.from.output);
  const outputs = [
    ...new Set([...keys(context.type?.outputs), ...(trustEdges ? usedOutputs : [])]),
  ];
  const required = context.type?.inputs['required'];
  return {
    inputs,
    outputs,
    openInputs,
    required: new Set(Array.isArray(required) ? (required as string[]) : []),
  };
}

export function nodeHeight(ports: Ports): number {
  return (
    HEADER_HEIGHT + Math.max(ports.inputs.length, ports.outputs.length, 1) * PORT_ROW_HEIGHT + 10
  );
}

/** Where a port's handle is on the canvas. */
export function portPoint(
  node: GraphNode,
  ports: Ports,
  port: { side: 'input' | 'output'; name: string },
): { x: number; y: number } {
  const list = port.side === 'input' ? ports.inputs : ports.outputs;
  const index = Math.max(0, list.indexOf(port.name));
  const { x, y } = node.position ?? { x: 0, y: 0 };
  return {
    x: port.side === 'input' ? x : x + NODE_WIDTH,
    y: y + HEADER_HEIGHT + index * PORT_ROW_HEIGHT + PORT_ROW_HEIGHT / 2,
  };
}

/** A fresh node id from the type's name: `upper`, `upper_2`, … (ids match the graph schema). */
export function newNodeId(graph: WorkflowGraph, type: string): string {
  const base =
    (type.split('/').pop() ?? 'node').replace(/[^A-Za-z0-9_-]/g, '_').replace(/^[^A-Za-z_]/, '_') ||
    'node';
  const taken = new Set(graph.nodes.map((n) => n.id));
  if (!taken.has(base)) {
    return base;
  }
  let i = 2;
  while (taken.has(`${base}_${String(i)}`)) {
    i += 1;
  }
  return `${base}_${String(i)}`;
}

/** A spot for a new node: the next cell of a loose grid. */
export function nextPosition(graph: WorkflowGraph): { x: number; y: number } {
  return gridCell(graph.nodes.length);
}

function gridCell(index: number): { x: number; y: number } {
  // Two columns fit the canvas of a laptop screen beside the palette and the side panel.
  return { x: 30 + (index % 2) * (NODE_WIDTH + 50), y: 30 + Math.floor(index / 2) * 150 };
}

/** The graph with each node saved without a position (through the API, say) put in a grid cell. */
export function laidOut(graph: WorkflowGraph): WorkflowGraph {
  if (graph.nodes.every((n) => n.position !== undefined)) {
    return graph;
  }
  return {
    ...graph,
    nodes: graph.nodes.map((n, i) =>
      n.position === undefined ? { ...n, position: gridCell(i) } : n,
    ),
  };
}

export function addNode(graph: WorkflowGraph, node: GraphNode): WorkflowGraph {
  return { ...graph, nodes: [...graph.nodes, node] };
}

export function updateNode(
  graph: WorkflowGraph,
  id: string,
  change: (node: GraphNode) => GraphNode,
): WorkflowGraph {
  return { ...graph, nodes: graph.nodes.map((n) => (n.id === id ? change(n) : n)) };
}

export function removeNode(graph: WorkflowGraph, id: string): WorkflowGraph {
  return {
    nodes: graph.nodes.filter((n) => n.id !== id),
    edges: graph.edges.filter((e) => e.from.node !== id && e.to.node !== id),
  };
}

/** Connects an output to an input; an input takes one edge, so an earlier one into it goes. */
export function connect(graph: WorkflowGraph, from: PortRef, to: PortRef): WorkflowGraph {
  if (from.node === to.node) {
    return graph;
  }
  const edges = graph.edges.filter((e) => !(e.to.node === to.node && e.to.input === to.port));
  return {
    ...graph,
    edges: [
      ...edges,
      { from: { node: from.node, output: from.port }, to: { node: to.node, input: to.port } },
    ],
  };
}

export function removeEdge(graph: WorkflowGraph, index: number): WorkflowGraph {
  return { ...graph, edges: graph.edges.filter((_, i) => i !== index) };
}

export function edgeLabel(edge: GraphEdge): string {
  return `${edge.from.node}.${edge.from.output} → ${edge.to.node}.${edge.to.input}`;
}
