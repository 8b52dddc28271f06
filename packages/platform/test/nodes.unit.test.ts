import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import type { Manifest } from '@plugboard/protocol';
import {
  NodeFailure,
  type ExecutableNode,
  type NodeCall,
  type RemoteNodeCaller,
  type RemoteNodeTarget,
} from '../src/nodes/node-definition.ts';
import { NodeRegistry, builtinNodes } from '../src/nodes/node-registry.ts';
import { remoteNodesFromManifest } from '../src/nodes/remote-node.ts';

const schema = (s: z.ZodType) => z.toJSONSchema(s, { io: 'input', target: 'draft-2020-12' });

function builtin(type: string): ExecutableNode {
  const node = builtinNodes().find((n) => n.type === type);
  if (node === undefined) {
    throw new TypeError(`no built-in ${type}`);
  }
  return node;
}

function run(
  type: string,
  config: Record<string, unknown>,
  inputs: Record<string, unknown> = {},
  runInputs: Record<string, unknown> = {},
) {
  return builtin(type).execute({
    runId: 'run_1',
    nodeId: 'n1',
    inputs,
    config,
    timeoutMs: 1000,
    signal: new AbortController().signal,
    runInputs,
    remote: new RecordingCaller(),
  });
}

function manifestOf(id: string): Manifest {
  return {
    manifestVersion: 1,
    protocolVersion: 1,
    sdkVersion: '0.1.0',
    id,
    version: '1.0.0',
    displayName: id,
    description: '',
    author: '',
    config: schema(z.object({})),
    validatesConfig: false,
    nodes: [
      {
        name: 'shout',
        title: 'Shout',
        description: 'Upper-cases text',
        category: 'text',
        inputs: schema(z.object({ text: z.string() })),
        outputs: schema(z.object({ text: z.string() })),
        config: schema(z.object({ bang: z.boolean().default(false) })),
        integrations: ['api'],
        dynamicConfig: true,
      },
    ],
    integrations: [],
    contentHash: `sha256-${'0'.repeat(64)}`,
  };
}

class RecordingCaller implements RemoteNodeCaller {
  readonly calls: { target: RemoteNodeTarget; call: NodeCall }[] = [];
  call(target: RemoteNodeTarget, call: NodeCall): Promise<Record<string, unknown>> {
    this.calls.push({ target, call });
    return Promise.resolve({ text: String(call.inputs['text']).toUpperCase() });
  }
}

describe('core/template', () => {
  it('fills placeholders from inputs, with paths into objects and arrays', async () => {
    const outputs = await run(
      'core/template',
      {
        template:
          'Hi {{ name }}, {{user.address.city}} / {{ items[1].id }} / {{ items[0]["odd key"] }}',
      },
      {
        name: 'Ada',
        user: { address: { city: 'London' } },
        items: [{ 'odd key': 'x' }, { id: 7 }],
      },
    );
    expect(outputs).toEqual({ text: 'Hi Ada, London / 7 / x' });
  });

  it('renders missing values as nothing and objects as JSON', async () => {
    const outputs = await run(
      'core/template',
      { template: '[{{ missing }}][{{ none }}][{{ obj }}][{{ flag }}]' },
      { none: null, obj: { a: [1, 2] }, flag: false },
    );
    expect(outputs).toEqual({ text: '[][][{"a":[1,2]}][false]' });
  });

  it('takes any input name', () => {
    expect(builtin('core/template').inputs).toMatchObject({
      type: 'object',
      additionalProperties: {},
    });
  });
});

describe('core/json_pick', () => {
  const value = { items: [{ name: 'first' }, { name: 'second', tags: ['a', 'b'] }], 'a b': 1 };

  it.each([
    ['items[0].name', 'first'],
    ['items[1].tags[1]', 'b'],
    ['items.1.name', 'second'],
    ['["a b"]', 1],
    ['', value],
  ])('picks %s', async (path, expected) => {
    expect(await run('core/json_pick', { path }, { value })).toEqual({ value: expected });
  });

  it('gives null for a path that leads nowhere, and never reads prototypes', async () => {
    expect(await run('core/json_pick', { path: 'items[5].name' }, { value })).toEqual({
      value: null,
    });
    expect(await run('core/json_pick', { path: 'constructor' }, { value })).toEqual({
      value: null,
    });
    expect(await run('core/json_pick', { path: 'items.length' }, { value })).toEqual({
      value: null,
    });
  });

  it('fails with a user error for a path it cannot read', async () => {
    const failure = await run('core/json_pick', { path: 'items[0' }, { value }).catch(
      (e: unknown) => e,
    );
    expect(failure).toBeInstanceOf(NodeFailure);
    expect(failure).toMatchObject({
      kind: 'user',
      message: expect.stringContaining('items[0') as unknown,
    });
  });
});

describe('core/condition', () => {
  it.each([
    ['equals', { a: [1] }, { a: [1] }, true],
    ['equals', 1, '1', false],
    ['not_equals', 'x', 'y', true],
    ['contains', 'hello world', 'world', true],
    ['contains', [1, { a: 2 }], { a: 2 }, true],
    ['contains', [1, 2], 3, false],
    ['greater_than', 5, 3, true],
    ['greater_than', '10', 9, true],
    ['less_than', 5, 3, false],
    ['is_empty', [], undefined, true],
    ['is_empty', { a: 1 }, undefined, false],
    ['is_not_empty', 'x', undefined, true],
    ['is_true', true, undefined, true],
    ['is_true', 'true', undefined, false],
  ] as const)('%s(%j, %j) is %s', async (operator, input, value, expected) => {
    const outputs = await run('core/condition', { operator, value }, { value: input });
    // Exactly one branch is produced, carrying the input through.
    expect(outputs).toEqual(expected ? { true: input } : { false: input });
  });

  it('refuses to order values that are not numbers', async () => {
    await expect(
      run('core/condition', { operator: 'greater_than', value: 1 }, { value: 'abc' }),
    ).rejects.toMatchObject({
      kind: 'user',
      message: expect.stringContaining('compares numbers') as unknown,
    });
  });
});

describe('core/input and core/output', () => {
  it('outputs the run input with its name, else its default, else null', async () => {
    expect(await run('core/input', { name: 'city' }, {}, { city: 'Oslo' })).toEqual({
      value: 'Oslo',
    });
    expect(await run('core/input', { name: 'city', default: 'Rome' }, {}, {})).toEqual({
      value: 'Rome',
    });
    expect(await run('core/input', { name: 'city', required: false }, {}, {})).toEqual({
      value: null,
    });
  });

  it('types its output port from its config; a file input carries the file marker', () => {
    const input = builtin('core/input');
    const file = input.portsFor?.({ name: 'doc', type: 'file' });
    expect(file?.outputs).toMatchObject({
      properties: {
        value: { 'x-plugboard-type': 'file', required: ['id', 'name', 'contentType'] },
      },
    });
    expect(input.portsFor?.({ name: 'n', type: 'number' })?.outputs).toMatchObject({
      properties: { value: { type: 'number' } },
    });
    // An unreadable config falls back to the declared schemas.
    expect(input.portsFor?.({ name: 3 })).toBeUndefined();
  });

  it('core/output produces nothing and rejects unknown config fields in its schema', async () => {
    expect(await run('core/output', { name: 'result' }, { value: 1 })).toEqual({});
    expect(builtin('core/output').config).toMatchObject({ additionalProperties: false });
  });
});

describe('remote nodes', () => {
  it('are typed <pluginId>/<node> with the manifest schemas, and forward the call', async () => {
    const caller = new RecordingCaller();
    const [node] = remoteNodesFromManifest(manifestOf('acme.text'));
    expect(node).toMatchObject({
      type: 'acme.text/shout',
      title: 'Shout',
      origin: {
        kind: 'plugin',
        pluginId: 'acme.text',
        node: 'shout',
        integrations: ['api'],
        dynamicConfig: true,
      },
      inputs: { properties: { text: { type: 'string' } } },
    });
    const signal = new AbortController().signal;
    const outputs = await node!.execute({
      runId: 'run_9',
      nodeId: 'loud',
      inputs: { text: 'hey' },
      config: { bang: true },
      timeoutMs: 5000,
      signal,
      credentials: { api: 'cred_1' },
      remote: caller,
    });
    expect(outputs).toEqual({ text: 'HEY' });
    expect(caller.calls).toHaveLength(1);
    expect(caller.calls[0]!.target).toEqual({
      pluginId: 'acme.text',
      version: '1.0.0',
      node: 'shout',
      integrations: ['api'],
    });
    expect(caller.calls[0]!.call).toMatchObject({
      runId: 'run_9',
      nodeId: 'loud',
      inputs: { text: 'hey' },
      config: { bang: true },
      timeoutMs: 5000,
      credentials: { api: 'cred_1' },
    });
    expect(caller.calls[0]!.call.signal).toBe(signal);
  });
});

describe('NodeRegistry', () => {
  const registry = NodeRegistry.build({
    plugins: [
      { id: 'acme.text', manifest: manifestOf('acme.text') },
      { id: 'core', manifest: manifestOf('core') },
    ],
  });

  it('holds the built-ins and plugin nodes; a plugin cannot claim the core prefix', () => {
    expect(registry.get('core/template')?.origin).toEqual({ kind: 'builtin' });
    expect(registry.get('acme.text/shout')).toBeDefined();
    expect(registry.get('core/shout')).toBeUndefined();
    expect(registry.pluginIds()).toEqual(['acme.text']);
    expect(registry.typesOf('core')).toEqual([
      'core/input',
      'core/output',
      'core/template',
      'core/json_pick',
      'core/condition',
    ]);
  });

  it('lists definitions without behaviour, ready to serve as JSON', () => {
    const listed = registry.list();
    expect(listed.map((d) => d.type)).toContain('acme.text/shout');
    for (const definition of listed) {
      expect(definition).not.toHaveProperty('execute');
      expect(definition).not.toHaveProperty('portsFor');
      expect(JSON.parse(JSON.stringify(definition))).toEqual(definition);
    }
  });
});
