// The SDK reference that `docs:check` compares with docs/sdk-reference/: it renders without a
// problem and documents what plugin authors reach for.
import { describe, expect, it } from 'vitest';
import { renderSdkReference } from '../../scripts/sdk-reference.ts';

describe('the SDK reference', () => {
  it('renders every public declaration with its comment, and the pages authors need', async () => {
    const { files, problems } = await renderSdkReference();
    expect(problems).toBe(false);
    expect([...files.keys()]).toEqual(['README.md', 'sdk.md', 'sdk.testing.md']);
    const sdk = files.get('sdk.md') ?? '';
    for (const heading of [
      'PluginOptions',
      'NodeOptions',
      'HookContext',
      'ReadyResult',
      'PlugboardFile',
    ]) {
      expect(sdk).toContain(`### ${heading}\n`);
    }
    expect(sdk).toMatch(/`icon\?` \| `readonly` \| `string` \| An image for it/);
    const testing = files.get('sdk.testing.md') ?? '';
    for (const heading of ['createTestHarness()', 'TestHarness', 'MemoryFileStore']) {
      expect(testing).toContain(`### ${heading}\n`);
    }
  });
});
