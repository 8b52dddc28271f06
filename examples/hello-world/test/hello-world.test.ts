import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createTestHarness } from '@plugboard/sdk/testing';
import plugin, { greet, wordCount } from '../src/index.ts';

const harness = createTestHarness(plugin);

test('greets', async () => {
  assert.deepEqual(
    await harness.execute(greet, { name: 'Ada' }, { config: { punctuation: '!' } }),
    { greeting: 'Hello, Ada!' },
  );
});

test('counts words across chunk boundaries', async () => {
  const document = harness.files.add('one two  three\nfour', {
    name: 'a.txt',
    contentType: 'text/plain',
  });
  assert.deepEqual(await harness.execute(wordCount, { document }), { words: 4, bytes: 19 });
});

test('refuses a file that is not text', async () => {
  const document = harness.files.add(new Uint8Array([1, 2, 3]), { name: 'a.bin' });
  await assert.rejects(harness.execute(wordCount, { document }), { code: 'NOT_TEXT' });
});
