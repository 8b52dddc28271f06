/**
 * @module Checks a workflow graph against the node registry and reports every problem at once,
 * each with a message that says what to change: node types and configs, edges and their ports,
 * types across edges, required inputs, cycles, and the workflow's input and output names.
 */
import type { JsonSchema } from '@plugboard/protocol';
import { BUILTIN_PREFIX } from '../nodes/builtin/define-builtin.ts';
import { INPUT_NODE_TYPE, inputConfigSchema } from '../nodes/builtin/input.ts';
import { OUTPUT_NODE_TYPE, outputConfigSchema } from '../nodes/builtin/output.ts';
import type { ExecutableNode, NodePorts } from '../nodes/node-definition.ts';
import { portNames, portSchema, portsOf, requiredPorts } from '../nodes/node-ports.ts';
import type { NodeRegistry } from '../nodes/node-registry.ts';
import { describeTypes, portsCompatible } from '../nodes/port-compatibility.ts';
import type { WorkflowGraph, WorkflowNode } from '@plugboard/platform-api';
import { checkAgainstSchema } from '../json-schema/json-schema-validator.ts';

type GraphIssueCode =
  | 'duplicate_node_id'
  | 'unknown_node_type'
  | 'invalid_config'
  | 'duplicate_input_name'
  | 'duplicate_output_name'
  | 'unknown_node'
  | 'unknown_output'
  | 'unknown_input'
  | 'input_already_connected'
  | 'type_mismatch'
  | 'missing_required_input'
  | 'cycle'
  | 'missing_run_input'
  | 'invalid_run_input'
  | 'unknown_run_input';

/** `code` is one of GraphIssueCode here; callers may add issues of their own (a missing file). */
export interface GraphIssue {
  readonly code: string;
  readonly message: string;
  readonly path: (string | number)[];
  readonly nodeId?: string;
  readonly edgeIndex?: number;
}

/** What the validator needs of a registry; NodeRegistry is one. */
export type NodeLookup = Pick<NodeRegistry, 'get' | 'typesOf' | 'pluginIds' | 'unresolved'>;

interface ResolvedNode {
  readonly index: number;
  readonly node: WorkflowNode;
  readonly definition: ExecutableNode;
  readonly ports: NodePorts;
}

export const quoted = (names: readonly string[]): string => names.map((n) => `"${n}"`).join(', ');

function formatPath(path: readonly (string | number)[]): string {
  return path.map((p) => (typeof p === 'number' ? `[${String(p)}]` : `.${p}`)).join('');
}

function unknownTypeMessage(node: WorkflowNode, registry: NodeLookup): string {
  const slash = node.type.indexOf('/');
  const at = `node "${node.id}"`;
  if (slash <= 0) {
    return `${at} has type "${node.type}", which is not a node type; types look like "core/template" or "<pluginId>/<node>"`;
  }
  const unresolved = registry.unresolved(node.type);
  if (unresolved !== undefined) {
    return `${at} has type "${node.type}": ${unresolved}`;
  }
  const prefix = node.type.slice(0, slash);
  const known = registry.typesOf(prefix);
  if (prefix === BUILTIN_PREFIX) {
    return `${at} has type "${node.type}", which is not a built-in node; built-ins are ${quoted(known)}`;
  }
  if (!registry.pluginIds().includes(prefix)) {
    return `${at} has type "${node.type}", but plugin "${prefix}" is not installed or not running; install or start it, or remove the node`;
  }
  return known.length === 0
    ? `${at} has type "${node.type}", but plugin "${prefix}" declares no nodes`
    : `${at} has type "${node.type}", which plugin "${prefix}" does not declare; its nodes are ${quoted(known)}`;
}

function checkNodes(
  graph: WorkflowGraph,
  registry: NodeLookup,
  issues: GraphIssue[],
): Map<string, ResolvedNode> {
  const resolved = new Map<string, ResolvedNode>();
  const firstIndex = new Map<string, number>();
  graph.nodes.forEach((node, index) => {
    const earlier = firstIndex.get(node.id);
    if (earlier !== undefined) {
      issues.push({
        code: 'duplicate_node_id',
        message: `node id "${node.id}" is used by nodes ${String(earlier)} and ${String(index)}; give each node its own id`,
        path: ['nodes', index, 'id'],
        nodeId: node.id,
      });
      return;
    }
    firstIndex.set(node.id, index);
    const definition = registry.get(node.type);
    if (definition === undefined) {
      issues.push({
        code: 'unknown_node_type',
        message: unknownTypeMessage(node, registry),
        path: ['nodes', index, 'type'],
        nodeId: node.id,
      });
      return;
    }
    for (const problem of checkAgainstSchema(definition.config, node.config)) {
      issues.push({
        code: 'invalid_config',
        message: `node "${node.id}" (${node.type}): config${formatPath(problem.path)} ${problem.message}`,
        path: ['nodes', index, 'config', ...problem.path],
        nodeId: node.id,
      });
    }
    resolved.set(node.id, { index, node, definition, ports: portsOf(definition, node.config) });
  });
  return resolved;
}

function checkIoNames(graph: WorkflowGraph, issues: GraphIssue[]): void {
  const kinds = [
    { type: INPUT_NODE_TYPE, schema: inputConfigSchema, what: 'input' },
    { type: OUTPUT_NODE_TYPE, schema: outputConfigSchema, what: 'output' },
  ] as const;
  for (const { type, schema, what } of kinds) {
    const owner = new Map<string, string>();
    graph.nodes.forEach((node, index) => {
      const config = node.type === type ? schema.safeParse(node.config) : undefined;
      if (config?.success !== true) {
        return;
      }
      const first = owner.get(config.data.name);
      if (first === undefined) {
        owner.set(config.data.name, node.id);
        return;
      }
      issues.push({
        code: what === 'input' ? 'duplicate_input_name' : 'duplicate_output_name',
        message: `workflow ${what} name "${config.data.name}" is used by nodes "${first}" and "${node.id}"; give each ${what} its own name`,
        path: ['nodes', index, 'config', 'name'],
        nodeId: node.id,
      });
    });
  }
}

function portList(schema: JsonSchema, what: 'inputs' | 'outputs'): string {
  const names = portNames(schema);
  return names.length === 0 ? `it has no ${what}` : `its ${what} are ${quoted(names)}`;
}

/** Returns the edges whose both ends exist, for the cycle check. */
function checkEdges(
  graph: WorkflowGraph,
  resolved: ReadonlyMap<string, ResolvedNode>,
  issues: GraphIssue[],
): [string, string][] {
  const links: [string, string][] = [];
  const fed = new Map<string, number>();
  graph.edges.forEach((edge, edgeIndex) => {
    const at = `edge ${String(edgeIndex)} (${edge.from.node}.${edge.from.output} → ${edge.to.node}.${edge.to.input})`;
    const source = resolved.get(edge.from.node);
    const target = resolved.get(edge.to.node);
    const issue = (code: GraphIssueCode, message: string, path: (string | number)[]): void => {
      issues.push({
        code,
        message: `${at}: ${message}`,
        path: ['edges', edgeIndex, ...path],
        edgeIndex,
      });
    };
    const known = (id: string): boolean => graph.nodes.some((n) => n.id === id);
    if (source === undefined && !known(edge.from.node)) {
      issue('unknown_node', `there is no node "${edge.from.node}"; point it at an existing node`, [
        'from',
        'node',
      ]);
    }
    if (target === undefined && !known(edge.to.node)) {
      issue('unknown_node', `there is no node "${edge.to.node}"; point it at an existing node`, [
        'to',
        'node',
      ]);
    }
    const output = source && portSchema(source.ports.outputs, edge.from.output);
    const input = target && portSchema(target.ports.inputs, edge.to.input);
    if (source !== undefined && output === undefined) {
      issue(
        'unknown_output',
        `node "${source.node.id}" (${source.node.type}) has no output "${edge.from.output}"; ${portList(source.ports.outputs, 'outputs')}`,
        ['from', 'output'],
      );
    }
    if (target !== undefined && input === undefined) {
      issue(
        'unknown_input',
        `node "${target.node.id}" (${target.node.type}) has no input "${edge.to.input}"; ${portList(target.ports.inputs, 'inputs')}`,
        ['to', 'input'],
      );
    }
    if (target !== undefined && input !== undefined) {
      const key = `${edge.to.node}\u0000${edge.to.input}`;
      const earlier = fed.get(key);
      if (earlier === undefined) {
        fed.set(key, edgeIndex);
      } else {
        issue(
          'input_already_connected',
          `input "${edge.to.input}" of node "${edge.to.node}" is already fed by edge ${String(earlier)}; an input takes one edge, so remove one of them`,
          ['to', 'input'],
        );
      }
    }
    if (output !== undefined && input !== undefined && !portsCompatible(output, input)) {
      issue(
        'type_mismatch',
        `output "${edge.from.output}" gives ${describeTypes(output)} but input "${edge.to.input}" takes ${describeTypes(input)}; connect a matching output or convert the value in between`,
        [],
      );
    }
    if (source !== undefined && target !== undefined) {
      links.push([edge.from.node, edge.to.node]);
    }
  });
  return links;
}

function checkRequiredInputs(
  graph: WorkflowGraph,
  resolved: ReadonlyMap<string, ResolvedNode>,
  issues: GraphIssue[],
): void {
  const connected = new Set(graph.edges.map((e) => `${e.to.node}\u0000${e.to.input}`));
  for (const { index, node, ports } of resolved.values()) {
    for (const name of requiredPorts(ports.inputs)) {
      if (!connected.has(`${node.id}\u0000${name}`)) {
        issues.push({
          code: 'missing_required_input',
          message: `node "${node.id}" (${node.type}) needs its input "${name}" connected; add an edge into it`,
          path: ['nodes', index],
          nodeId: node.id,
        });
      }
    }
  }
}

/** Tarjan's strongly connected components: each one with a loop in it is a cycle to report. */
function findCycles(ids: readonly string[], links: readonly [string, string][]): string[][] {
  const next = new Map<string, string[]>(ids.map((id) => [id, []]));
  const selfLoops = new Set<string>();
  for (const [from, to] of links) {
    next.get(from)?.push(to);
    if (from === to) {
      selfLoops.add(from);
    }
  }
  const order = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const onStack = new Set<string>();
  const cycles: string[][] = [];
  const visit = (id: string): void => {
    order.set(id, order.size);
    low.set(id, order.get(id) ?? 0);
    stack.push(id);
    onStack.add(id);
    for (const to of next.get(id) ?? []) {
      if (!order.has(to)) {
        visit(to);
        low.set(id, Math.min(low.get(id) ?? 0, low.get(to) ?? 0));
      } else if (onStack.has(to)) {
        low.set(id, Math.min(low.get(id) ?? 0, order.get(to) ?? 0));
      }
    }
    if (low.get(id) !== order.get(id)) {
      return;
    }
    const component: string[] = [];
    let member: string | undefined;
    do {
      member = stack.pop();
      if (member !== undefined) {
        onStack.delete(member);
        component.push(member);
      }
    } while (member !== undefined && member !== id);
    if (component.length > 1 || selfLoops.has(id)) {
      cycles.push(component.reverse());
    }
  };
  for (const id of ids) {
    if (!order.has(id)) {
      visit(id);
    }
  }
  return cycles;
}

function checkCycles(
  resolved: ReadonlyMap<string, ResolvedNode>,
  links: readonly [string, string][],
  issues: GraphIssue[],
): void {
  for (const cycle of findCycles([...resolved.keys()], links)) {
    const [first = ''] = cycle;
    issues.push({
      code: 'cycle',
      message:
        cycle.length === 1
          ? `node "${first}" feeds its own input; workflows cannot loop, so remove that edge`
          : `nodes ${quoted(cycle)} form a cycle; workflows cannot loop, so remove one of the edges between them`,
      path: ['nodes', resolved.get(first)?.index ?? 0],
      nodeId: first,
    });
  }
}

export function validateGraph(graph: WorkflowGraph, registry: NodeLookup): GraphIssue[] {
  const issues: GraphIssue[] = [];
  const resolved = checkNodes(graph, registry, issues);
  checkIoNames(graph, issues);
  const links = checkEdges(graph, resolved, issues);
  checkRequiredInputs(graph, resolved, issues);
  checkCycles(resolved, links, issues);
  return issues;
}
