import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { workflowGraphSchema, type WorkflowGraphInput } from '@plugboard/platform-api';
import { checkPluginVersionCompatibility } from '../src/plugins/plugin-version-compatibility.ts';
import { affectedWorkflowNodes } from '../src/workflows/workflow-update-impact.ts';
import { inputs, manifest, node, outputs } from './helpers/plugin-versions.ts';

/** Both versions declare the plugin's "api" integration; only v1's "shout" uses it. */
const integrations = { api: z.object({}) };

// Version 1: "shout" takes text (and an optional suffix), gives text and length; "gone" is removed
// in version 2, where "shout" loses its suffix input, its length output, its "bang" setting and
// the "api" integration, and gains a required "lang" input and a required "mode" setting.
const v1 = manifest('1.0.0', {
  nodes: [
    node('shout', {
      inputs: z.object({ text: z.string(), suffix: z.string().optional() }),
      outputs: z.object({ text: z.string(), length: z.int() }),
      config: z.object({ bang: z.boolean().optional(), level: z.int().optional() }),
      integrations: ['api'],
    }),
    node('gone'),
  ],
  integrations,
});
const v2 = manifest('2.0.0', {
  nodes: [
    node('shout', {
      inputs: z.object({ text: z.string(), lang: z.string() }),
      outputs: z.object({ text: z.string() }),
      config: z.object({ level: z.string().optional(), mode: z.enum(['loud', 'quiet']) }),
    }),
  ],
  config: z.object({ key: z.string() }),
  integrations,
});
const report = checkPluginVersionCompatibility(v1, v2);

const graph = (input: WorkflowGraphInput) => workflowGraphSchema.parse(input);
const summary = (g: WorkflowGraphInput) =>
  affectedWorkflowNodes(report, graph(g)).map(({ nodeId, change, reason, edgeIndex }) => ({
    nodeId,
    kind: change.kind,
    reason,
    ...(edgeIndex === undefined ? {} : { edgeIndex }),
  }));

describe('affected workflow nodes', () => {
  it('counts only what the workflow uses', () => {
    // Wired into "lang", nothing into "suffix", nothing from "length", "mode" set, no credentials.
    expect(
      summary({
        nodes: [
          { id: 'src', type: 'core/input', config: { name: 'text' } },
          { id: 's', type: 'acme.text/shout', config: { mode: 'loud' } },
          { id: 'out', type: 'core/output', config: { name: 'text' } },
        ],
        edges: [
          { from: { node: 'src', output: 'value' }, to: { node: 's', input: 'text' } },
          { from: { node: 'src', output: 'value' }, to: { node: 's', input: 'lang' } },
          { from: { node: 's', output: 'text' }, to: { node: 'out', input: 'value' } },
        ],
      }),
    ).toEqual([]);
  });

  it('reports each use the new version breaks, with the edge or setting concerned', () => {
    expect(
      summary({
        nodes: [
          { id: 'src', type: 'core/input', config: { name: 'text' } },
          {
            id: 's',
            type: 'acme.text/shout',
            config: { bang: true, level: 3 },
            credentials: { api: 'cred_1' },
          },
          { id: 'out', type: 'core/output', config: { name: 'n' } },
          { id: 'g', type: 'acme.text/gone' },
          { id: 'other', type: 'acme.other/shout' },
        ],
        edges: [
          { from: { node: 'src', output: 'value' }, to: { node: 's', input: 'suffix' } },
          { from: { node: 's', output: 'length' }, to: { node: 'out', input: 'value' } },
        ],
      }),
    ).toEqual([
      {
        nodeId: 's',
        kind: 'input_removed',
        reason: 'edge 0 from "src".value feeds input "suffix"',
        edgeIndex: 0,
      },
      { nodeId: 's', kind: 'input_required', reason: 'no edge feeds input "lang"' },
      {
        nodeId: 's',
        kind: 'output_removed',
        reason: 'edge 1 from output "length" feeds "out".value',
        edgeIndex: 1,
      },
      { nodeId: 's', kind: 'config_field_removed', reason: 'the node\'s config sets "bang"' },
      { nodeId: 's', kind: 'config_narrowed', reason: 'the node\'s config sets "level"' },
      {
        nodeId: 's',
        kind: 'config_field_required',
        reason: 'the node\'s config does not set "mode"',
      },
      {
        nodeId: 's',
        kind: 'node_integration_removed',
        reason: 'the node chose credentials for "api"',
      },
      { nodeId: 'g', kind: 'node_removed', reason: 'the workflow uses acme.text/gone' },
    ]);
  });

  it('leaves the operator’s changes out: they reach every workflow alike', () => {
    expect(report.operator.map((c) => c.kind)).toEqual(['plugin_config_field_required']);
    expect(
      summary({ nodes: [{ id: 'x', type: 'core/template', config: { template: '' } }] }),
    ).toEqual([]);
  });

  it('reports a narrowed input and a changed output only through their edges', () => {
    const changed = checkPluginVersionCompatibility(
      manifest('1.0.0', {
        nodes: [node('n', { ...inputs({ a: z.string() }), ...outputs({ b: z.string() }) })],
        integrations,
      }),
      manifest('1.1.0', {
        nodes: [node('n', { ...inputs({ a: z.number() }), ...outputs({ b: z.number() }) })],
        integrations,
      }),
    );
    const uses = (g: WorkflowGraphInput) =>
      affectedWorkflowNodes(changed, graph(g)).map((a) => [a.nodeId, a.change.kind, a.edgeIndex]);
    expect(uses({ nodes: [{ id: 'm', type: 'acme.text/n' }] })).toEqual([]);
    expect(
      uses({
        nodes: [
          { id: 'm', type: 'acme.text/n' },
          { id: 'k', type: 'acme.text/n' },
        ],
        edges: [{ from: { node: 'k', output: 'b' }, to: { node: 'm', input: 'a' } }],
      }),
    ).toEqual([
      ['m', 'input_narrowed', 0],
      ['k', 'output_changed', 0],
    ]);
  });
});
