import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { fileRefSchema, type Manifest } from '@plugboard/protocol';
import { NodeRegistry } from '../src/nodes/node-registry.ts';
import { workflowGraphSchema, type WorkflowGraphInput } from '@plugboard/platform-api';
import { checkRunInputs, workflowInputsOf } from '../src/workflows/run-inputs.ts';
import { validateGraph, type GraphIssue } from '../src/workflows/validate-graph.ts';

const schema = (s: z.ZodType) => z.toJSONSchema(s, { io: 'input', target: 'draft-2020-12' });

const manifest: Manifest = {
  manifestVersion: 1,
  protocolVersion: 1,
  sdkVersion: '0.1.0',
  id: 'acme.docs',
  version: '1.0.0',
  displayName: 'Docs',
  description: '',
  author: '',
  config: schema(z.object({})),
  validatesConfig: false,
  nodes: [
    {
      name: 'convert',
      title: 'Convert',
      description: '',
      category: 'files',
      inputs: schema(z.object({ doc: fileRefSchema, pages: z.number().int().optional() })),
      outputs: schema(z.object({ doc: fileRefSchema, pageCount: z.number().int() })),
      config: schema(z.object({ format: z.enum(['pdf', 'png']), dpi: z.number().default(72) })),
      integrations: [],
      dynamicConfig: false,
    },
  ],
  integrations: [],
  contentHash: `sha256-${'0'.repeat(64)}`,
};

const registry = NodeRegistry.build({
  plugins: [{ id: 'acme.docs', manifest }],
});

const graph = (input: WorkflowGraphInput) => workflowGraphSchema.parse(input);
const edge = (from: string, to: string) => {
  const [fromNode = '', output = ''] = from.split('.');
  const [toNode = '', inputName = ''] = to.split('.');
  return { from: { node: fromNode, output }, to: { node: toNode, input: inputName } };
};
const codes = (issues: GraphIssue[]) => issues.map((i) => i.code);

const valid = graph({
  nodes: [
    { id: 'doc', type: 'core/input', config: { name: 'doc', type: 'file' } },
    {
      id: 'pages',
      type: 'core/input',
      config: { name: 'pages', type: 'number', required: false, default: 1 },
    },
    { id: 'convert', type: 'acme.docs/convert', config: { format: 'pdf' }, timeoutMs: 5000 },
    { id: 'text', type: 'core/template', config: { template: '{{ n }} pages' } },
    { id: 'out', type: 'core/output', config: { name: 'summary' } },
    { id: 'file', type: 'core/output', config: { name: 'file' } },
  ],
  edges: [
    edge('doc.value', 'convert.doc'),
    edge('pages.value', 'convert.pages'),
    edge('convert.pageCount', 'text.n'),
    edge('text.text', 'out.value'),
    edge('convert.doc', 'file.value'),
  ],
});

describe('validateGraph', () => {
  it('passes a valid graph', () => {
    expect(validateGraph(valid, registry)).toEqual([]);
  });

  it('reports duplicate node ids', () => {
    const issues = validateGraph(
      graph({
        nodes: [
          { id: 'a', type: 'core/template', config: { template: '' } },
          { id: 'a', type: 'core/template', config: { template: '' } },
        ],
      }),
      registry,
    );
    expect(issues).toEqual([
      expect.objectContaining({
        code: 'duplicate_node_id',
        path: ['nodes', 1, 'id'],
        nodeId: 'a',
        message: expect.stringContaining('used by nodes 0 and 1') as unknown,
      }),
    ]);
  });

  it('explains unknown node types by what exists under the prefix', () => {
    const issues = validateGraph(
      graph({
        nodes: [
          { id: 'a', type: 'core/templat' },
          { id: 'b', type: 'acme.docs/covert' },
          { id: 'c', type: 'acme.mail/send' },
          { id: 'd', type: 'nothing' },
        ],
      }),
      registry,
    );
    expect(codes(issues)).toEqual(Array(4).fill('unknown_node_type'));
    expect(issues[0]!.message).toContain('"core/template"');
    expect(issues[1]!.message).toContain('its nodes are "acme.docs/convert"');
    expect(issues[2]!.message).toContain('plugin "acme.mail" is not installed or not running');
    expect(issues[3]!.message).toContain('types look like');
  });

  it('checks config against the node schema, naming the field', () => {
    const issues = validateGraph(
      graph({
        nodes: [
          { id: 'c', type: 'acme.docs/convert', config: { format: 'gif', dpi: 'high' } },
          { id: 't', type: 'core/template', config: { templte: 'x' } },
        ],
      }),
      registry,
    ).filter((i) => i.code === 'invalid_config');
    const messages = issues.map((i) => i.message);
    expect(messages).toContain(
      'node "c" (acme.docs/convert): config.format must be one of "pdf", "png"',
    );
    expect(messages).toContain('node "c" (acme.docs/convert): config.dpi must be number');
    expect(messages).toContain('node "t" (core/template): config.template is required');
    expect(messages).toContain(
      'node "t" (core/template): config.templte is not a known field; remove it',
    );
    expect(issues.find((i) => i.message.includes('config.dpi'))?.path).toEqual([
      'nodes',
      0,
      'config',
      'dpi',
    ]);
  });

  it('reports edges to missing nodes and ports, listing the ports that exist', () => {
    const issues = validateGraph(
      graph({
        nodes: [
          { id: 't', type: 'core/template', config: { template: '' } },
          { id: 'o', type: 'core/output', config: { name: 'x' } },
        ],
        edges: [
          edge('ghost.value', 'o.value'),
          edge('t.txt', 'o.value'),
          edge('t.text', 'o.val'),
          edge('t.text', 'nowhere.x'),
        ],
      }),
      registry,
    );
    expect(issues).toEqual(
      expect.arrayContaining([
        expect.objectContaining({
          code: 'unknown_node',
          edgeIndex: 0,
          path: ['edges', 0, 'from', 'node'],
        }),
        expect.objectContaining({
          code: 'unknown_output',
          edgeIndex: 1,
          message: expect.stringContaining(
            'has no output "txt"; its outputs are "text"',
          ) as unknown,
        }),
        expect.objectContaining({
          code: 'unknown_input',
          edgeIndex: 2,
          message: expect.stringContaining('has no input "val"; its inputs are "value"') as unknown,
        }),
        expect.objectContaining({
          code: 'unknown_node',
          edgeIndex: 3,
          path: ['edges', 3, 'to', 'node'],
        }),
      ]),
    );
  });

  it('accepts any input name on an open schema, and one edge per input', () => {
    const issues = validateGraph(
      graph({
        nodes: [
          { id: 'a', type: 'core/template', config: { template: '' } },
          { id: 'b', type: 'core/template', config: { template: '' } },
          { id: 't', type: 'core/template', config: { template: '{{ anything }}' } },
        ],
        edges: [edge('a.text', 't.anything'), edge('b.text', 't.anything')],
      }),
      registry,
    );
    expect(issues).toEqual([
      expect.objectContaining({
        code: 'input_already_connected',
        edgeIndex: 1,
        message: expect.stringContaining('already fed by edge 0') as unknown,
      }),
    ]);
  });

  it('reports type mismatches, file against non-file included', () => {
    const issues = validateGraph(
      graph({
        nodes: [
          { id: 'name', type: 'core/input', config: { name: 'name', type: 'string' } },
          { id: 'count', type: 'core/input', config: { name: 'count', type: 'boolean' } },
          { id: 'c', type: 'acme.docs/convert', config: { format: 'pdf' } },
          { id: 't', type: 'core/template', config: { template: '' } },
          { id: 'o', type: 'core/output', config: { name: 'o' } },
        ],
        edges: [
          edge('name.value', 'c.doc'),
          edge('count.value', 'c.pages'),
          edge('c.doc', 't.file'),
          edge('c.pageCount', 'o.value'),
        ],
      }),
      registry,
    );
    expect(issues.filter((i) => i.code === 'type_mismatch')).toEqual([
      expect.objectContaining({
        edgeIndex: 0,
        message: expect.stringContaining(
          'output "value" gives string but input "doc" takes file',
        ) as unknown,
      }),
      expect.objectContaining({
        edgeIndex: 1,
        message: expect.stringContaining(
          'gives boolean but input "pages" takes integer',
        ) as unknown,
      }),
    ]);
  });

  it('reports required inputs left unconnected', () => {
    const issues = validateGraph(
      graph({ nodes: [{ id: 'c', type: 'acme.docs/convert', config: { format: 'png' } }] }),
      registry,
    );
    expect(issues).toEqual([
      expect.objectContaining({
        code: 'missing_required_input',
        nodeId: 'c',
        message:
          'node "c" (acme.docs/convert) needs its input "doc" connected; add an edge into it',
      }),
    ]);
  });

  it('names the nodes of each cycle', () => {
    const template = { type: 'core/template', config: { template: '' } };
    const issues = validateGraph(
      graph({
        nodes: ['a', 'b', 'c', 'd', 'e'].map((id) => ({ id, ...template })),
        edges: [
          edge('a.text', 'b.x'),
          edge('b.text', 'c.x'),
          edge('c.text', 'a.x'),
          edge('d.text', 'e.x'),
          edge('e.text', 'e.y'),
        ],
      }),
      registry,
    );
    expect(issues.map((i) => [i.code, i.message])).toEqual([
      ['cycle', expect.stringContaining('nodes "a", "b", "c" form a cycle')],
      ['cycle', expect.stringContaining('node "e" feeds its own input')],
    ]);
  });

  it('reports workflow input and output names used twice', () => {
    const issues = validateGraph(
      graph({
        nodes: [
          { id: 'i1', type: 'core/input', config: { name: 'x' } },
          { id: 'i2', type: 'core/input', config: { name: 'x' } },
          { id: 'o1', type: 'core/output', config: { name: 'y' } },
          { id: 'o2', type: 'core/output', config: { name: 'y' } },
        ],
        edges: [edge('i1.value', 'o1.value'), edge('i2.value', 'o2.value')],
      }),
      registry,
    );
    expect(issues.map((i) => [i.code, i.nodeId])).toEqual([
      ['duplicate_input_name', 'i2'],
      ['duplicate_output_name', 'o2'],
    ]);
    expect(issues[0]!.message).toContain('"i1" and "i2"');
  });

  it('reports every problem of a graph at once', () => {
    const issues = validateGraph(
      graph({
        nodes: [
          { id: 'x', type: 'nope/nope' },
          { id: 'o', type: 'core/output', config: {} },
        ],
        edges: [edge('x.a', 'o.value'), edge('o.value', 'o.value')],
      }),
      registry,
    );
    expect(new Set(codes(issues))).toEqual(
      new Set([
        'unknown_node_type',
        'invalid_config',
        'unknown_output',
        'input_already_connected',
        'cycle',
      ]),
    );
  });
});

describe('workflow graph schema', () => {
  it('caps the graph size and shapes node ids', () => {
    const many = Array.from({ length: 501 }, (_, i) => ({
      id: `n${String(i)}`,
      type: 'core/template',
    }));
    expect(workflowGraphSchema.safeParse({ nodes: many }).success).toBe(false);
    expect(
      workflowGraphSchema.safeParse({ nodes: [{ id: '1bad id', type: 'core/template' }] }).success,
    ).toBe(false);
    expect(workflowGraphSchema.parse({ nodes: [{ id: 'ok', type: 'core/template' }] })).toEqual({
      nodes: [{ id: 'ok', type: 'core/template', config: {} }],
      edges: [],
    });
  });
});

describe('workflow inputs', () => {
  it('lists each core/input with its type, requirement and default', () => {
    expect(workflowInputsOf(valid)).toEqual([
      { nodeId: 'doc', name: 'doc', type: 'file', required: true },
      { nodeId: 'pages', name: 'pages', type: 'number', required: false, default: 1 },
    ]);
  });

  it('accepts good run inputs', () => {
    const doc = { id: 'f_1', name: 'a.pdf', contentType: 'application/pdf' };
    expect(checkRunInputs(valid, { doc })).toEqual([]);
    expect(checkRunInputs(valid, { doc, pages: 3 })).toEqual([]);
  });

  it('reports missing required inputs, wrong types and unknown names', () => {
    expect(checkRunInputs(valid, { pages: 'three', extra: 1 })).toEqual([
      expect.objectContaining({ code: 'missing_run_input', path: ['inputs', 'doc'] }),
      expect.objectContaining({
        code: 'invalid_run_input',
        message: 'input "pages" must be of type number',
      }),
      expect.objectContaining({
        code: 'unknown_run_input',
        message: expect.stringContaining('("doc", "pages")') as unknown,
      }),
    ]);
    expect(checkRunInputs(valid, { doc: 'a.pdf' })[0]!.message).toContain('file reference');
  });
});
