import { describe, expect, it } from 'vitest';
import {
  defineIntegration,
  defineNode,
  definePlugin,
  PluginDefinitionError,
  z,
} from '../src/index.ts';

const base = { title: 'N', inputs: z.object({}), outputs: z.object({}), run: () => ({}) };
const node = defineNode({ name: 'n', ...base });

describe('declarations', () => {
  it('reports every problem of a plugin at once', () => {
    const config = z.object({ a: z.string() });
    const typedAgainstOther = defineNode({
      name: 'other',
      title: 'Other',
      inputs: z.object({}),
      outputs: z.object({}),
      pluginConfig: z.object({ a: z.string() }),
      run: () => ({}),
    });
    const first = defineIntegration({ name: 'api', displayName: 'API', credentials: z.object({}) });
    const second = defineIntegration({
      name: 'api',
      displayName: 'API 2',
      credentials: z.object({}),
    });
    const withSecond = defineNode({ ...base, name: 'uses', integrations: [second] });
    let error: unknown;
    try {
      definePlugin({
        id: 'X',
        version: 'one',
        displayName: '',
        config,
        nodes: [node, node, typedAgainstOther, withSecond],
        integrations: [first],
      });
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(PluginDefinitionError);
    const problems = (error as PluginDefinitionError).problems;
    expect(problems).toHaveLength(6);
    expect(problems.join('\n')).toMatch(/id "X"/);
    expect(problems.join('\n')).toMatch(/version "one"/);
    expect(problems.join('\n')).toMatch(/displayName/);
    expect(problems.join('\n')).toMatch(/two nodes are named "n"/);
    expect(problems.join('\n')).toMatch(/pluginConfig must be the same schema object/);
    expect(problems.join('\n')).toMatch(/two different integrations are named "api"/);
  });

  it('rejects node and integration names that cannot be path segments', () => {
    expect(() => defineNode({ ...base, name: 'Has Space' })).toThrow(/name: use 1–64 characters/);
    expect(() =>
      defineIntegration({ name: '../x', displayName: 'X', credentials: z.object({}) }),
    ).toThrow(PluginDefinitionError);
  });

  it('rejects schemas that are not objects', () => {
    expect(() =>
      defineNode({ ...base, name: 'n', inputs: z.string() as unknown as z.ZodObject }),
    ).toThrow(/inputs: must be a z.object/);
  });

  it('collects integrations that nodes list', () => {
    const api = defineIntegration({
      name: 'api',
      displayName: 'API',
      credentials: z.object({ key: z.string() }),
    });
    const plugin = definePlugin({
      id: 'p1',
      version: '1.0.0',
      displayName: 'P',
      nodes: [defineNode({ ...base, name: 'n', integrations: [api] })],
    });
    expect([...plugin.integrations.keys()]).toEqual(['api']);
  });
});
