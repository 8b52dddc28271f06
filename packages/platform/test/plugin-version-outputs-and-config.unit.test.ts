import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { fileRefSchema } from '@plugboard/protocol';
import { checkPluginVersionCompatibility } from '../src/plugins/plugin-version-compatibility.ts';
import { config, kinds, manifest, node, nodeChanges, outputs } from './helpers/plugin-versions.ts';

describe('plugin version compatibility: outputs', () => {
  it('reports a removed output', () => {
    expect(
      kinds(nodeChanges(outputs({ a: z.string(), b: z.string() }), outputs({ a: z.string() }))),
    ).toEqual([{ kind: 'output_removed', severity: 'breaking', name: 'b' }]);
  });

  it.each([
    ['string → number', z.string(), z.number(), 'breaking', 'may now give number; gave string'],
    [
      'string → nullable string',
      z.string(),
      z.string().nullable(),
      'breaking',
      'may now give null; gave string',
    ],
    ['enum values added', z.enum(['a']), z.enum(['a', 'b']), 'breaking', 'may now give "b"'],
    [
      'bounds loosened',
      z.number().min(0),
      z.number(),
      'breaking',
      'lower bound was >= 0, now none',
    ],
    ['file → string', fileRefSchema, z.string(), 'breaking', 'may now give string; gave a file'],
    ['now optional', z.string(), z.string().optional(), 'possibly_breaking', 'may now be missing'],
  ])('reports a changed output: %s', (_, before, after, severity, message) => {
    const changes = nodeChanges(outputs({ v: before }), outputs({ v: after }));
    expect(kinds(changes)).toEqual([{ kind: 'output_changed', severity, name: 'v' }]);
    expect(changes[0]?.message).toContain(message);
    expect(changes[0]?.message).toContain('check that the inputs it feeds still take its values');
  });

  it.each([
    ['an added output', { a: z.string() }, { a: z.string(), b: z.number() }],
    ['nullable string → string', { a: z.string().nullable() }, { a: z.string() }],
    ['enum values removed', { a: z.enum(['x', 'y']) }, { a: z.enum(['x']) }],
    ['number → integer', { a: z.number() }, { a: z.int() }],
    ['bounds tightened', { a: z.number() }, { a: z.number().min(1) }],
    ['optional → always given', { a: z.string().optional() }, { a: z.string() }],
  ])('passes a narrowed output: %s', (_, before, after) => {
    expect(nodeChanges(outputs(before), outputs(after))).toEqual([]);
  });
});

describe('plugin version compatibility: node config', () => {
  it('reports a new required field without default, a removed field and a changed type', () => {
    const changes = nodeChanges(
      config({ bang: z.boolean().default(false), gone: z.string().optional(), n: z.string() }),
      config({
        bang: z.boolean().default(true),
        mode: z.enum(['a']),
        n: z.number(),
        extra: z.int().default(1),
      }),
    );
    expect(kinds(changes)).toEqual([
      { kind: 'config_field_removed', severity: 'breaking', name: 'gone' },
      { kind: 'config_narrowed', severity: 'breaking', name: 'n' },
      { kind: 'config_field_required', severity: 'breaking', name: 'mode' },
    ]);
    expect(changes.map((c) => c.message)).toEqual([
      'config field "gone" of node "n" is removed; its saved value is dropped, so review the node’s settings',
      'config field "n" of node "n" changed: no longer accepts string; takes number; check that the saved value still fits',
      'config field "mode" of node "n" is new and required, with no default; set it in the node’s settings',
    ]);
  });

  it('passes an added optional field and a widened one', () => {
    expect(
      nodeChanges(config({ n: z.int() }), config({ n: z.number(), more: z.string().optional() })),
    ).toEqual([]);
  });
});

describe('plugin version compatibility: the operator’s part', () => {
  it('reports plugin config changes apart from the nodes', () => {
    const report = checkPluginVersionCompatibility(
      manifest('1.0.0', {
        nodes: [node('n')],
        config: z.object({ url: z.string(), old: z.string() }),
      }),
      manifest('2.0.0', {
        nodes: [node('n')],
        config: z.object({ url: z.url(), key: z.string(), region: z.string().default('eu') }),
      }),
    );
    expect(report.nodes).toEqual([]);
    expect(kinds(report.operator)).toEqual([
      { kind: 'plugin_config_narrowed', severity: 'possibly_breaking', name: 'url' },
      { kind: 'plugin_config_field_removed', severity: 'breaking', name: 'old' },
      { kind: 'plugin_config_field_required', severity: 'breaking', name: 'key' },
    ]);
    expect(report.operator[2]?.message).toBe(
      'plugin config field "key" is new and required, with no default; set it in the plugin’s configuration',
    );
  });

  it('reports credential form changes with their integration', () => {
    const report = checkPluginVersionCompatibility(
      manifest('1.0.0', { integrations: { api: z.object({ token: z.string() }) } }),
      manifest('2.0.0', {
        integrations: { api: z.object({ token: z.string().min(20), account: z.string() }) },
      }),
    );
    expect(report.operator).toMatchObject([
      { kind: 'credentials_narrowed', severity: 'breaking', name: 'token', integration: 'api' },
      {
        kind: 'credentials_field_required',
        severity: 'breaking',
        name: 'account',
        integration: 'api',
      },
    ]);
  });
});
