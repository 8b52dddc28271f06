// Workflow nodes pinned to a version range: which version each runs on, what the registry says
// when none fits, how unpinned nodes are pinned, and what an update to another version would
// break per saved workflow, before anything moves.
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import type { Manifest } from '@plugboard/protocol';
import type { PluginVersionState } from '@plugboard/server-api';
import { NodeRegistry } from '../src/nodes/node-registry.ts';
import type { PluginRecord } from '../src/plugins/plugin-record.ts';
import { updateImpact } from '../src/plugins/update-impact.ts';
import { pinNodes } from '../src/workflows/node-pins.ts';
import { validateGraph } from '../src/workflows/validate-graph.ts';
import type { Workflow } from '../src/workflows/workflow-repository.ts';
import { manifest, node } from './helpers/plugin-versions.ts';

const out = z.object({ text: z.string() });
const v1 = manifest('1.0.0', {
  nodes: [node('shout', { inputs: z.object({ text: z.string() }), outputs: out })],
});
const v1b = manifest('1.4.0', {
  nodes: [node('shout', { inputs: z.object({ text: z.string() }), outputs: out })],
});
const v2 = manifest('2.0.0', {
  nodes: [node('shout', { inputs: z.object({ value: z.string() }), outputs: out })],
});

const installed = (m: Manifest, state: PluginVersionState) => ({
  version: m.version,
  state,
  manifest: m,
});

function registry(current: Manifest, others: { m: Manifest; state: PluginVersionState }[]) {
  return NodeRegistry.build({
    plugins: [
      {
        id: 'acme.text',
        manifest: current,
        versions: [installed(current, 'current'), ...others.map((o) => installed(o.m, o.state))],
      },
    ],
  });
}

const graph = (type: string, input: string) => ({
  nodes: [
    { id: 'in', type: 'core/input', config: { name: 'text', type: 'string' } },
    { id: 'shout', type, config: {} },
  ],
  edges: [{ from: { node: 'in', output: 'value' }, to: { node: 'shout', input } }],
});

describe('pinned nodes in the registry', () => {
  const both = registry(v2, [
    { m: v1, state: 'kept' },
    { m: v1b, state: 'kept' },
  ]);

  it('runs each node on the highest callable version its range takes', () => {
    expect(both.resolve('acme.text', '^1')).toBe('1.4.0');
    expect(both.resolve('acme.text', '~1.0')).toBe('1.0.0');
    expect(both.resolve('acme.text', '^2')).toBe('2.0.0');
    expect(both.get('acme.text/shout@^1')?.inputs).toMatchObject({ properties: { text: {} } });
    expect(both.get('acme.text/shout@^2')?.inputs).toMatchObject({ properties: { value: {} } });
    // Without a range: the current version, as before ranges existed.
    expect(both.get('acme.text/shout')?.inputs).toMatchObject({ properties: { value: {} } });
  });

  it('never runs a node on a staged or rolled-back version', () => {
    const held = registry(v1, [
      { m: v2, state: 'staged' },
      { m: v1b, state: 'rolled_back' },
    ]);
    expect(held.resolve('acme.text', '^1')).toBe('1.0.0');
    expect(held.get('acme.text/shout@^2')).toBeUndefined();
    expect(held.unresolved('acme.text/shout@^2')).toContain(
      'no installed version of plugin "acme.text" that runs nodes satisfies ^2 (installed: 1.0.0 (current), 2.0.0 (staged), 1.4.0 (rolled back))',
    );
  });

  it('lists current nodes with the reference a new node is saved with', () => {
    expect(both.list().find((n) => n.type === 'acme.text/shout')).toMatchObject({
      version: '2.0.0',
      pin: 'acme.text/shout@^2',
    });
  });

  it('says what to fix when a saved range fits nothing, or is not a range', () => {
    const issues = validateGraph(graph('acme.text/shout@^3', 'value'), both);
    expect(issues[0]?.code).toBe('unknown_node_type');
    expect(issues[0]?.message).toContain('satisfies ^3');
    expect(issues[0]?.message).toContain('upgrade the workflow to ^2');
    expect(validateGraph(graph('acme.text/shout@latest', 'value'), both)[0]?.message).toContain(
      '"latest" is not a version range',
    );
    expect(validateGraph(graph('acme.text/shout@^1', 'text'), both)).toEqual([]);
    expect(validateGraph(graph('acme.text/shout@^2', 'text'), both)[0]?.code).toBe('unknown_input');
  });

  it('pins unpinned plugin nodes to the current major, and leaves the rest', () => {
    const { graph: pinned, rewritten } = pinNodes(graph('acme.text/shout', 'value'), both);
    expect(pinned.nodes.map((n) => n.type)).toEqual(['core/input', 'acme.text/shout@^2']);
    expect(rewritten).toEqual([
      { nodeId: 'shout', from: 'acme.text/shout', to: 'acme.text/shout@^2' },
    ]);
    expect(pinNodes(pinned, both).rewritten).toEqual([]);
    expect(pinNodes(graph('other/node', 'x'), both).rewritten).toEqual([]);
  });
});

describe('update impact', () => {
  const record = (versions: { m: Manifest; state: PluginVersionState }[]): PluginRecord => {
    const current = versions.find((v) => v.state === 'current')?.m;
    return {
      id: 'acme.text',
      status: 'running',
      source: { type: 'marketplace', name: 'acme.text' },
      hasSourceToken: false,
      version: current?.version,
      manifest: current,
      versions: versions.map((v) => ({
        ...installed(v.m, v.state),
        running: true,
        installedAt: '2026-01-01T00:00:00.000Z',
        source: {},
      })),
      sandbox: undefined,
      grant: {},
      reason: undefined,
      logTail: undefined,
      restarts: 0,
      lastSequence: 0,
      createdAt: '',
      updatedAt: '',
    };
  };
  const workflow = (id: string, type: string, input: string): Workflow => ({
    id,
    name: id,
    description: '',
    graph: graph(type, input),
    createdAt: '',
    updatedAt: '',
  });

  it('lists the workflows the new version breaks, and which of them would move', () => {
    const versions = [
      { m: v1b, state: 'current' as const },
      { m: v2, state: 'staged' as const },
    ];
    const impact = updateImpact({
      record: record(versions),
      version: '2.0.0',
      workflows: [
        workflow('pinned', 'acme.text/shout@^1', 'text'),
        workflow('loose', 'acme.text/shout@>=1', 'text'),
        workflow('fine', 'acme.text/shout@^2', 'value'),
        workflow('elsewhere', 'core/template', 'text'),
      ],
      registry: registry(v1b, [{ m: v2, state: 'staged' }]),
    });
    expect(impact).toMatchObject({ fromVersion: '1.4.0', toVersion: '2.0.0', breaks: 1 });
    expect(impact.changes.map((c) => c.kind).sort()).toEqual(['input_removed', 'input_required']);
    expect(impact.workflows.map((w) => [w.id, w.nodes[0]?.moves, w.nodes[0]?.runsOn])).toEqual([
      ['pinned', false, '1.4.0'],
      ['loose', true, '1.4.0'],
    ]);
    expect(impact.workflows[0]?.nodes[0]?.changes[0]).toMatchObject({
      kind: 'input_removed',
      node: 'shout',
      reason: expect.stringContaining('feeds input "text"') as string,
    });
  });

  it('refuses a version that is not installed, saying what is', () => {
    expect(() =>
      updateImpact({
        record: record([{ m: v1, state: 'current' }]),
        version: '9.0.0',
        workflows: [],
        registry: registry(v1, []),
      }),
    ).toThrow(
      /version 9.0.0 of plugin "acme.text" is not installed \(installed: 1.0.0 \(current\)\)/,
    );
  });
});
