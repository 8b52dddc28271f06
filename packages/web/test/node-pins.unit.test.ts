import { describe, expect, it } from 'vitest';
import type { NodeType, WorkflowGraph } from '../src/api/types.ts';
import { laidOut, portsOf } from '../src/workflows/graph-model.ts';
import { isBehind, outdatedPlugins, typeOfNode } from '../src/workflows/node-pins.ts';

/** A plugin node type as GET /api/nodes lists it at `version`, taking `inputs`. */
function pluginType(pluginId: string, node: string, version: string, inputs: string[]): NodeType {
  const major = version.split('.')[0] ?? '0';
  return {
    type: `${pluginId}/${node}`,
    version,
    pin: `${pluginId}/${node}@^${major}`,
    title: node,
    description: '',
    category: 'Other',
    origin: { kind: 'plugin', pluginId, node, integrations: [], dynamicConfig: false },
    inputs: {
      type: 'object',
      properties: Object.fromEntries(inputs.map((i) => [i, { type: 'string' }])),
      required: inputs,
    },
    outputs: { type: 'object', properties: { text: { type: 'string' } } },
    config: { type: 'object', properties: {} },
  };
}

const shout = pluginType('acme', 'shout', '2.1.0', ['words']);
const whisper = pluginType('acme', 'whisper', '2.1.0', ['text']);
const types = new Map([shout, whisper].map((t) => [t.type, t]));

describe('pinned plugin nodes in the editor', () => {
  it("finds a saved node's type whatever its range", () => {
    expect(typeOfNode(types, { type: 'acme/shout@^1' })).toBe(shout);
    expect(typeOfNode(types, { type: 'acme/shout' })).toBe(shout);
    expect(typeOfNode(types, { type: 'acme/gone@^1' })).toBeUndefined();
  });

  it('says a node is behind only when its range leaves out the current version', () => {
    expect(isBehind({ type: 'acme/shout@^1' }, shout)).toBe(true);
    expect(isBehind({ type: 'acme/shout@~2.0' }, shout)).toBe(true);
    expect(isBehind({ type: 'acme/shout@^2' }, shout)).toBe(false);
    expect(isBehind({ type: 'acme/shout@>=1' }, shout)).toBe(false);
    // No range, no version, or a range the platform will refuse anyway: nothing to upgrade.
    expect(isBehind({ type: 'acme/shout' }, shout)).toBe(false);
    expect(isBehind({ type: 'acme/shout@^1' }, undefined)).toBe(false);
    expect(isBehind({ type: 'acme/shout@not a range' }, shout)).toBe(false);
  });

  it('lists each plugin with nodes behind once, with their ranges and ids', () => {
    const graph: WorkflowGraph = {
      nodes: [
        { id: 'in', type: 'core/input', config: { name: 'in' } },
        { id: 'a', type: 'acme/shout@^1' },
        { id: 'b', type: 'acme/whisper@^1.2' },
        { id: 'c', type: 'acme/shout@^2' },
      ],
      edges: [],
    };
    expect(outdatedPlugins(graph, types)).toEqual([
      { pluginId: 'acme', current: '2.1.0', ranges: ['^1', '^1.2'], nodeIds: ['a', 'b'] },
    ]);
    expect(outdatedPlugins({ nodes: [graph.nodes[3]!], edges: [] }, types)).toEqual([]);
  });

  it("shows a behind node's wired ports beside the current version's", () => {
    const graph: WorkflowGraph = {
      nodes: [{ id: 'a', type: 'acme/shout@^1' }],
      edges: [{ from: { node: 'in', output: 'value' }, to: { node: 'a', input: 'text' } }],
    };
    const node = graph.nodes[0]!;
    const context = { type: shout, edges: graph.edges, extraInputs: [] };
    expect(portsOf(node, { ...context, behind: true }).inputs).toEqual(['words', 'text']);
    expect(portsOf(node, context).inputs).toEqual(['words']);
  });

  it('lays out nodes saved without a position, leaving placed ones where they are', () => {
    const graph: WorkflowGraph = {
      nodes: [
        { id: 'a', type: 'acme/shout@^2' },
        { id: 'b', type: 'acme/shout@^2', position: { x: 500, y: 500 } },
        { id: 'c', type: 'acme/shout@^2' },
      ],
      edges: [],
    };
    const positions = laidOut(graph).nodes.map((n) => n.position);
    expect(positions[1]).toEqual({ x: 500, y: 500 });
    expect(new Set(positions.map((p) => JSON.stringify(p))).size).toBe(3);
    const placed: WorkflowGraph = { nodes: [graph.nodes[1]!], edges: [] };
    expect(laidOut(placed)).toBe(placed);
  });
});
