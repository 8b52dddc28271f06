import { readFile } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import { PLUGIN_ERROR_CODES } from '../src/index.ts';

describe('plugin error codes', () => {
  it('map each kind to the status family it promises', () => {
    for (const [code, spec] of Object.entries(PLUGIN_ERROR_CODES)) {
      const family = Math.floor(spec.status / 100);
      const expected = { user: [4], operational: [4, 5], plugin: [4, 5], internal: [5] }[spec.kind];
      expect(expected, code).toContain(family);
      expect(code).toMatch(/^PLUGIN_[A-Z_]+$/);
      expect(spec.description.length, code).toBeGreaterThan(10);
    }
  });

  it('are all documented in the protocol reference', async () => {
    const doc = await readFile(
      new URL('../../../docs/plugin-protocol.md', import.meta.url),
      'utf8',
    );
    for (const code of Object.keys(PLUGIN_ERROR_CODES)) {
      expect(doc, code).toContain(`\`${code}\``);
    }
  });
});
