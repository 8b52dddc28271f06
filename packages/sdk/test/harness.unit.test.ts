// The test harness runs nodes through the same dispatcher as the plugin process.
import { describe, expect, it } from 'vitest';
import { setTimeout as sleep } from 'node:timers/promises';
import { defineIntegration, defineNode, definePlugin, file, PluginError, z } from '../src/index.ts';
import { createTestHarness } from '../src/testing/index.ts';

const api = defineIntegration({
  name: 'api',
  displayName: 'API',
  credentials: z.object({ key: z.string() }),
});
const other = defineIntegration({
  name: 'other',
  displayName: 'Other',
  credentials: z.object({ secret: z.string() }),
});

const count = defineNode({
  name: 'count',
  title: 'Count lines',
  inputs: z.object({ doc: file() }),
  outputs: z.object({ lines: z.number(), report: file() }),
  integrations: [api],
  run: async (ctx, { doc }) => {
    const text = await ctx.files.open(doc).text();
    const lines = text.split('\n').length;
    ctx.log.info('counted', { lines });
    const report = await ctx.files.create(
      `lines: ${String(lines)} (key ${ctx.credentials.api.key})`,
      { name: 'report.txt', contentType: 'text/plain' },
    );
    return { lines, report };
  },
});

const slow = defineNode({
  name: 'slow',
  title: 'Slow',
  inputs: z.object({}),
  outputs: z.object({ seen: z.string() }),
  run: async (ctx) => {
    try {
      await sleep(10_000, undefined, { signal: ctx.signal });
    } catch {
      return { seen: 'aborted' };
    }
    return { seen: 'finished' };
  },
});

const throws = defineNode({
  name: 'throws',
  title: 'Throws',
  inputs: z.object({ retry: z.boolean() }),
  outputs: z.object({}),
  run: (_ctx, { retry }) => {
    throw new PluginError('upstream said no', { code: 'UPSTREAM_REFUSED', retryable: retry });
  },
});

const copies = defineNode({
  name: 'copies',
  title: 'Copies a file three ways',
  inputs: z.object({ doc: file() }),
  outputs: z.object({ asIs: file(), viaStream: file(), viaBytes: file() }),
  run: async (ctx, { doc }) => {
    const source = ctx.files.open(doc);
    const named = { name: 'copy.bin' };
    return {
      asIs: await ctx.files.create(source, named),
      viaStream: await ctx.files.create(await source.stream(), named),
      viaBytes: await ctx.files.create(await source.bytes(), named),
    };
  },
});

const plugin = definePlugin({
  id: 'harnessed',
  version: '0.0.1',
  displayName: 'Harnessed',
  nodes: [count, slow, throws, copies],
  integrations: [other],
});

describe('createTestHarness', () => {
  it('runs a node with files, only its declared credentials and recorded logs', async () => {
    const harness = createTestHarness(plugin, {
      credentials: { api: { key: 'k1' }, other: { secret: 'hidden' } },
    });
    const doc = harness.files.add('a\nb\nc', { name: 'doc.txt', contentType: 'text/plain' });
    const outputs = await harness.execute(count, { doc });
    expect(outputs.lines).toBe(3);
    expect(harness.files.readText(outputs.report)).toBe('lines: 3 (key k1)');
    expect(outputs.report).toEqual({
      id: outputs.report.id,
      name: 'report.txt',
      contentType: 'text/plain',
      size: 17,
    });
    expect(harness.logs).toEqual([
      {
        level: 'info',
        message: 'counted',
        fields: { node: 'count', runId: 'test-run', executionId: 'test-execution', lines: 3 },
      },
    ]);
  });

  it('copies a file given as a handle, as a web stream or as bytes', async () => {
    const harness = createTestHarness(plugin);
    const bytes = new Uint8Array([0, 1, 2, 250, 255]);
    const doc = harness.files.add(bytes, { name: 'doc.bin' });
    const outputs = await harness.execute(copies, { doc });
    for (const copy of [outputs.asIs, outputs.viaStream, outputs.viaBytes]) {
      expect(copy).toMatchObject({ name: 'copy.bin', contentType: 'application/octet-stream' });
      expect(harness.files.read(copy)).toEqual(bytes);
    }
  });

  it('rejects with the same failure the process would answer', async () => {
    const harness = createTestHarness(plugin);
    await expect(harness.execute(throws, { retry: true })).rejects.toMatchObject({
      code: 'UPSTREAM_REFUSED',
      kind: 'plugin',
      status: 422,
      retryable: true,
      message: 'upstream said no',
    });
    await expect(
      harness.execute('count', { doc: { id: 'x', name: 'x', contentType: 'x' } }),
    ).rejects.toMatchObject({
      code: 'PLUGIN_CREDENTIALS_MISSING',
    });
    await expect(harness.execute('missing', {})).rejects.toMatchObject({
      code: 'PLUGIN_NOT_FOUND',
      details: { available: ['count', 'slow', 'throws', 'copies'] },
    });
  });

  it('aborts the node signal at the deadline and on cancel', async () => {
    const harness = createTestHarness(plugin);
    await expect(harness.execute(slow, {}, { timeoutMs: 50 })).rejects.toMatchObject({
      code: 'PLUGIN_DEADLINE_EXCEEDED',
      status: 504,
    });
    const controller = new AbortController();
    const pending = harness.execute(slow, {}, { signal: controller.signal });
    controller.abort();
    await expect(pending).rejects.toMatchObject({ code: 'PLUGIN_CANCELLED' });
  });

  it('reports a file the harness does not hold', async () => {
    const harness = createTestHarness(plugin, { credentials: { api: { key: 'k' } } });
    await expect(
      harness.execute(count, { doc: { id: 'nope', name: 'n', contentType: 'text/plain' } }),
    ).rejects.toMatchObject({ code: 'FILE_NOT_FOUND' });
  });
});
