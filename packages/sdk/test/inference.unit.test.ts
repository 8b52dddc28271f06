// Locks in that handler types come from the schemas: each @ts-expect-error line must stay an
// error for `tsc` (part of npm test) to pass, and the assertions below must type-check.
import { describe, expect, expectTypeOf, it } from 'vitest';
import {
  defineIntegration,
  defineNode,
  definePlugin,
  file,
  z,
  type FileRef,
} from '../src/index.ts';
import { createTestHarness } from '../src/testing/index.ts';

const api = defineIntegration({
  name: 'api',
  displayName: 'API',
  credentials: z.object({ key: z.string() }),
});
const pluginConfig = z.object({ region: z.enum(['eu', 'us']) });

const node = defineNode({
  name: 'typed',
  title: 'Typed',
  inputs: z.object({ count: z.number(), doc: file().optional() }),
  outputs: z.object({ doubled: z.number() }),
  config: z.object({ factor: z.number().default(2) }),
  integrations: [api],
  pluginConfig,
  run: (ctx, inputs, config) => {
    expectTypeOf(inputs.count).toEqualTypeOf<number>();
    expectTypeOf(inputs.doc).toEqualTypeOf<FileRef | undefined>();
    expectTypeOf(config.factor).toEqualTypeOf<number>();
    expectTypeOf(ctx.credentials.api.key).toEqualTypeOf<string>();
    expectTypeOf(ctx.pluginConfig.region).toEqualTypeOf<'eu' | 'us'>();
    expectTypeOf(ctx.credentials).not.toHaveProperty('other');
    return { doubled: inputs.count * config.factor };
  },
});

defineNode({
  name: 'wrong-output',
  title: 'Wrong output',
  inputs: z.object({}),
  outputs: z.object({ doubled: z.number() }),
  // @ts-expect-error -- what run returns must match the output schema
  run: () => ({ doubled: 'no' }),
});

describe('type inference', () => {
  it('types harness calls from the node', async () => {
    const harness = createTestHarness(
      definePlugin({
        id: 'typed',
        version: '1.0.0',
        displayName: 'T',
        config: pluginConfig,
        nodes: [node],
      }),
      {
        credentials: { api: { key: 'k' } },
        pluginConfig: { region: 'eu' },
      },
    );
    const outputs = await harness.execute(node, { count: 2 });
    expectTypeOf(outputs).toEqualTypeOf<{ doubled: number }>();
    expect(outputs).toEqual({ doubled: 4 });
    // @ts-expect-error -- inputs are checked against the node's input schema
    await expect(harness.execute(node, { count: 'two' })).rejects.toMatchObject({
      code: 'PLUGIN_VALIDATION_FAILED',
    });
  });
});
