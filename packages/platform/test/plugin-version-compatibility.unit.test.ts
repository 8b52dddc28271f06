import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { fileRefSchema } from '@plugboard/protocol';
import { checkPluginVersionCompatibility } from '../src/plugins/plugin-version-compatibility.ts';
import { MAX_SCHEMA_COMPARISONS, MAX_SCHEMA_DEPTH } from '../src/json-schema/schema-walk.ts';
import { empty, inputs, kinds, manifest, node, nodeChanges } from './helpers/plugin-versions.ts';

describe('plugin version compatibility: nodes and integrations', () => {
  it('finds nothing between equal manifests', () => {
    const spec = { ...inputs({ text: z.string() }), integrations: ['api'] };
    const old = manifest('1.0.0', { nodes: [node('n', spec)], integrations: { api: empty } });
    const report = checkPluginVersionCompatibility(old, { ...old, version: '1.0.1' });
    expect(report).toEqual({
      pluginId: 'acme.text',
      fromVersion: '1.0.0',
      toVersion: '1.0.1',
      nodes: [],
      operator: [],
    });
  });

  it('reports a removed node, and an added one not at all', () => {
    const report = checkPluginVersionCompatibility(
      manifest('1.0.0', { nodes: [node('shout'), node('keep')] }),
      manifest('2.0.0', { nodes: [node('keep'), node('added')] }),
    );
    expect(report.nodes).toEqual([
      {
        node: 'shout',
        changes: [
          {
            kind: 'node_removed',
            severity: 'breaking',
            path: [],
            message:
              'node "shout" is gone in version 2.0.0; replace "acme.text/shout" in the workflows that use it',
          },
        ],
      },
    ]);
  });

  it('reports a removed integration to the operator and on each node that declared it', () => {
    const report = checkPluginVersionCompatibility(
      manifest('1.0.0', {
        nodes: [node('n', { integrations: ['api', 'mail'] })],
        integrations: { api: empty, mail: empty },
      }),
      manifest('2.0.0', {
        nodes: [node('n', { integrations: ['mail'] })],
        integrations: { mail: empty },
      }),
    );
    expect(report.operator).toMatchObject([
      { kind: 'integration_removed', severity: 'breaking', integration: 'api' },
    ]);
    expect(report.nodes[0]?.changes).toMatchObject([
      { kind: 'node_integration_removed', severity: 'breaking', integration: 'api' },
    ]);
  });

  it('reports an integration a node newly uses as possibly breaking', () => {
    expect(nodeChanges({}, { integrations: ['api'] })).toMatchObject([
      { kind: 'node_integration_added', severity: 'possibly_breaking', integration: 'api' },
    ]);
  });

  it('ignores titles, descriptions and defaults', () => {
    const before = {
      title: 'Old',
      ...inputs({ text: z.string().describe('old'), n: z.number().default(1) }),
    };
    const after = {
      title: 'New',
      ...inputs({
        text: z.string().describe('new').meta({ title: 'Text' }),
        n: z.number().default(2),
      }),
    };
    expect(nodeChanges(before, after)).toEqual([]);
  });
});

describe('plugin version compatibility: inputs', () => {
  it('reports a new required input, not one with a default or an optional one', () => {
    const changes = nodeChanges(
      inputs({ text: z.string() }),
      inputs({
        text: z.string(),
        lang: z.string(),
        level: z.number().default(1),
        note: z.string().optional(),
      }),
    );
    expect(kinds(changes)).toEqual([
      { kind: 'input_required', severity: 'breaking', name: 'lang' },
    ]);
    expect(changes[0]?.message).toBe(
      'input "lang" of node "n" is new and required, with no default; connect an edge into it',
    );
  });

  it('reports an optional input that became required', () => {
    expect(
      kinds(nodeChanges(inputs({ text: z.string().optional() }), inputs({ text: z.string() }))),
    ).toEqual([{ kind: 'input_required', severity: 'breaking', name: 'text' }]);
  });

  it('reports a removed input', () => {
    const changes = nodeChanges(
      inputs({ text: z.string(), gone: z.number() }),
      inputs({ text: z.string() }),
    );
    expect(kinds(changes)).toEqual([{ kind: 'input_removed', severity: 'breaking', name: 'gone' }]);
    expect(changes[0]?.message).toBe(
      'input "gone" of node "n" is removed; remove the edge into it',
    );
  });

  it.each([
    ['string → number', z.string(), z.number(), 'no longer accepts string; takes number'],
    ['number → integer', z.number(), z.int(), 'no longer accepts number; takes integer'],
    ['enum values removed', z.enum(['a', 'b', 'c']), z.enum(['a', 'b']), 'no longer accepts "c"'],
    ['any string → enum', z.string(), z.enum(['a']), 'was any string, now one of "a"'],
    ['file → string', fileRefSchema, z.string(), 'no longer accepts a file; takes string'],
    ['string → file', z.string(), fileRefSchema, 'no longer accepts string; takes a file'],
    ['nullable dropped', z.string().nullable(), z.string(), 'no longer accepts null; takes string'],
    ['minimum raised', z.number().min(0), z.number().min(1), 'lower bound was >= 0, now >= 1'],
    ['maximum added', z.number(), z.number().lt(10), 'upper bound was none, now < 10'],
    ['maxLength lowered', z.string().max(10), z.string().max(5), 'maxLength was 10, now 5'],
    ['pattern added', z.string(), z.string().regex(/^a/), 'pattern was none, now "^a"'],
    [
      'items now unique',
      z.array(z.string()),
      z.array(z.string()).meta({ uniqueItems: true }),
      'items must now be unique',
    ],
  ])('reports a narrowed input: %s', (_, before, after, message) => {
    const changes = nodeChanges(inputs({ v: before }), inputs({ v: after }));
    expect(changes).toHaveLength(1);
    expect(changes[0]).toMatchObject({ kind: 'input_narrowed', severity: 'breaking', name: 'v' });
    expect(changes[0]?.message).toContain(message);
  });

  it('reports a change inside an array or object at its path', () => {
    const changes = nodeChanges(
      inputs({ list: z.array(z.string()), deep: z.object({ a: z.object({ b: z.string() }) }) }),
      inputs({ list: z.array(z.number()), deep: z.object({ a: z.object({ b: z.boolean() }) }) }),
    );
    expect(changes.map((c) => c.path)).toEqual([
      ['list', '[]'],
      ['deep', 'a', 'b'],
    ]);
    expect(changes[0]?.message).toBe(
      'input "list" of node "n" changed at []: no longer accepts string; takes number; check that what feeds it still fits, or convert the value in between',
    );
  });

  it('reports a nested object closed to unknown keys, and a nested property dropped as possible', () => {
    const changes = nodeChanges(
      inputs({ o: z.object({ a: z.string(), b: z.string() }), p: z.object({ a: z.string() }) }),
      inputs({ o: z.object({ a: z.string() }), p: z.strictObject({ a: z.string() }) }),
    );
    expect(changes.map(({ path, severity }) => ({ path, severity }))).toEqual([
      { path: ['o', 'b'], severity: 'possibly_breaking' },
      { path: ['p'], severity: 'breaking' },
    ]);
  });

  it.each([
    ['an added optional input', { a: z.string() }, { a: z.string(), b: z.number().optional() }],
    ['number → number | string', { a: z.number() }, { a: z.union([z.number(), z.string()]) }],
    ['string → nullable string', { a: z.string() }, { a: z.string().nullable() }],
    ['file → nullable file', { a: fileRefSchema }, { a: fileRefSchema.nullable() }],
    ['enum values added', { a: z.enum(['x']) }, { a: z.enum(['x', 'y']) }],
    ['enum → string', { a: z.enum(['x', 'yy']) }, { a: z.string().max(2) }],
    ['integer → number', { a: z.int() }, { a: z.number() }],
    ['bounds loosened', { a: z.number().min(1).max(5) }, { a: z.number().min(0) }],
    ['length loosened', { a: z.string().min(3) }, { a: z.string().min(1) }],
    ['pattern dropped', { a: z.string().regex(/^a/) }, { a: z.string() }],
    ['required → optional', { a: z.string() }, { a: z.string().optional() }],
    ['items widened', { a: z.array(z.int()) }, { a: z.array(z.number()) }],
    [
      'a union alternative added',
      { a: z.discriminatedUnion('t', [z.object({ t: z.literal('x') })]) },
      {
        a: z.discriminatedUnion('t', [
          z.object({ t: z.literal('x') }),
          z.object({ t: z.literal('y'), n: z.number() }),
        ]),
      },
    ],
  ])('passes a widened input: %s', (_, before, after) => {
    expect(nodeChanges(inputs(before), inputs(after))).toEqual([]);
  });

  it('reports a removed union alternative as breaking', () => {
    const changes = nodeChanges(
      inputs({ a: z.union([z.string(), z.number(), z.boolean()]) }),
      inputs({ a: z.union([z.string(), z.number()]) }),
    );
    expect(kinds(changes)).toEqual([{ kind: 'input_narrowed', severity: 'breaking', name: 'a' }]);
  });

  it.each([
    ['a different pattern', z.string().regex(/^a/), z.string().regex(/^b/)],
    ['a different format', z.email(), z.url()],
    ['a keyword it does not compare', z.string(), z.string().meta({ not: { const: '' } })],
    [
      'an ambiguous union',
      z.object({ a: z.string() }),
      z.union([z.object({ a: z.string(), b: z.int() }), z.object({ a: z.string().min(1) })]),
    ],
  ])('reports %s as possibly breaking', (_, before, after) => {
    const changes = nodeChanges(inputs({ v: before }), inputs({ v: after }));
    expect(changes.length).toBeGreaterThan(0);
    expect(changes.every((c) => c.severity === 'possibly_breaking')).toBe(true);
    expect(changes[0]?.message).toContain('(may break; the check cannot tell)');
  });

  it('stops comparing past the depth limit and says so', () => {
    const nest = (leaf: z.ZodType): z.ZodType => {
      let s = leaf;
      for (let i = 0; i < MAX_SCHEMA_DEPTH + 2; i += 1) {
        s = z.object({ d: s });
      }
      return s;
    };
    const changes = nodeChanges(inputs({ v: nest(z.string()) }), inputs({ v: nest(z.number()) }));
    expect(changes).toMatchObject([{ kind: 'input_narrowed', severity: 'possibly_breaking' }]);
    expect(changes[0]?.message).toContain(`changed deeper than ${String(MAX_SCHEMA_DEPTH)} levels`);
  });

  it('gives up on nested wide unions within its budget and says so', () => {
    // Each level a union of 16 objects that differ only in a bound, three levels deep: compared
    // branch against branch, that would be minutes of the platform's event loop.
    const wide = (bound: number): z.ZodType => {
      let s: z.ZodType = z.string();
      for (let level = 0; level < 3; level += 1) {
        const inner = s;
        s = z.union(
          Array.from({ length: 16 }, (_, i) =>
            z.object({ v: inner, n: z.string().max(bound + i) }),
          ),
        );
      }
      return s;
    };
    const changes = nodeChanges(inputs({ v: wide(1) }), inputs({ v: wide(0) }));
    for (const change of changes) {
      expect(change).toMatchObject({ kind: 'input_narrowed', severity: 'possibly_breaking' });
    }
    expect(changes.map((c) => c.message).join('\n')).toContain(
      `too complex to compare (over ${String(MAX_SCHEMA_COMPARISONS)} comparisons)`,
    );
  });
});
