import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { createTestHarness } from '@plugboard/sdk/testing';
import plugin, { MAX_FILE_BYTES, toHtml, toText } from '../src/index.ts';

const harness = createTestHarness(plugin);

const doc = [
  '# Getting *started*',
  '',
  'Hello **world** & friends.',
  'Second line.',
  '',
  '## Tasks',
  '',
  '- [x] done',
  '- [ ] to do',
  '',
  '| a | b |',
  '|:-:|---|',
  '| 1 | ~~2~~ |',
  '',
  '```js',
  'const x = 1 < 2;',
  '```',
  '',
  '## Tasks',
].join('\n');

describe('to-html', () => {
  it('renders GFM with heading ids and lists the headings', async () => {
    const { html, sanitized, headings, file } = await harness.execute(toHtml, { markdown: doc });
    assert.equal(sanitized, true);
    assert.equal(file, undefined);
    assert.match(html, /<h1 id="getting-started">Getting <em>started<\/em><\/h1>/);
    assert.match(html, /<p>Hello <strong>world<\/strong> &amp; friends.\nSecond line.<\/p>/);
    assert.match(html, /<input checked disabled type="checkbox" \/> done/);
    assert.match(html, /<th align="center">a<\/th>/);
    assert.match(html, /<del>2<\/del>/);
    assert.match(html, /<code class="language-js">const x = 1 &lt; 2;/);
    assert.deepEqual(headings, [
      { level: 1, text: 'Getting started', id: 'getting-started' },
      { level: 2, text: 'Tasks', id: 'tasks' },
      { level: 2, text: 'Tasks', id: 'tasks-1' },
    ]);
  });

  it('follows the options: no GFM, line breaks, no ids, an id prefix', async () => {
    const plain = await harness.execute(
      toHtml,
      { markdown: doc },
      { config: { gfm: false, headingIds: false } },
    );
    assert.match(plain.html, /<h1>Getting <em>started<\/em><\/h1>/);
    assert.doesNotMatch(plain.html, /<table>|<input/);
    const breaks = await harness.execute(toHtml, { markdown: doc }, { config: { breaks: true } });
    assert.match(breaks.html, /friends.<br \/>Second line/);
    assert.deepEqual(plain.headings[0], { level: 1, text: 'Getting started' });
    const prefixed = await harness.execute(
      toHtml,
      { markdown: '# A' },
      { config: { headingIdPrefix: 'doc-' } },
    );
    assert.equal(prefixed.html, '<h1 id="doc-a">A</h1>\n');
  });

  it('removes dangerous HTML when sanitising, and keeps it when told not to', async () => {
    const markdown = [
      '<script>alert(1)</script>',
      '',
      '[click](javascript:alert(2)) <img src="x" onerror="alert(3)"> <span style="color:red">red</span>',
      '',
      '<iframe src="https://evil.example"></iframe>',
    ].join('\n');
    const safe = await harness.execute(toHtml, { markdown });
    assert.doesNotMatch(safe.html, /script|javascript:|onerror|iframe|style=/);
    assert.match(safe.html, /<a>click<\/a>/);
    assert.match(safe.html, /red/);
    const raw = await harness.execute(toHtml, { markdown }, { config: { sanitize: false } });
    assert.equal(raw.sanitized, false);
    assert.match(raw.html, /<script>alert\(1\)<\/script>/);
    assert.match(raw.html, /onerror/);
  });

  it('renders a file and saves the page as an .html file', async () => {
    const input = harness.files.add('# Notes\n\nSee <https://example.com>.\n', {
      name: 'notes.md',
      contentType: 'text/markdown',
    });
    const result = await harness.execute(toHtml, { file: input }, { config: { outputFile: true } });
    assert.ok(result.file !== undefined);
    assert.equal(result.file.name, 'notes.html');
    assert.equal(result.file.contentType, 'text/html; charset=utf-8');
    const page = harness.files.readText(result.file);
    assert.match(page, /<title>Notes<\/title>/);
    assert.match(page, /<a href="https:\/\/example.com">https:\/\/example.com<\/a>/);
    assert.ok(page.includes(result.html));
  });

  it('needs exactly one source', async () => {
    await assert.rejects(harness.execute(toHtml, {}), { code: 'ONE_SOURCE_NEEDED' });
    const input = harness.files.add('x', { name: 'a.md' });
    await assert.rejects(harness.execute(toHtml, { markdown: 'x', file: input }), {
      code: 'ONE_SOURCE_NEEDED',
    });
  });

  it('refuses binary and oversized files', async () => {
    const binary = harness.files.add(new Uint8Array([0xff, 0xfe, 0x00, 0x80]), { name: 'a.bin' });
    await assert.rejects(harness.execute(toHtml, { file: binary }), { code: 'NOT_TEXT' });
    const big = harness.files.add(new Uint8Array(MAX_FILE_BYTES + 1).fill(0x61), {
      name: 'big.md',
    });
    await assert.rejects(harness.execute(toHtml, { file: big }), { code: 'FILE_TOO_LARGE' });
    // A reference that does not declare its size is still cut off while reading.
    const undeclared = { id: big.id, name: big.name, contentType: big.contentType };
    await assert.rejects(harness.execute(toHtml, { file: undeclared }), {
      code: 'FILE_TOO_LARGE',
    });
  });

  it('refuses an invalid heading id prefix', async () => {
    await assert.rejects(
      harness.execute(toHtml, { markdown: '# a' }, { config: { headingIdPrefix: 'a b' } }),
      { code: 'PLUGIN_VALIDATION_FAILED' },
    );
  });
});

describe('to-text', () => {
  it('keeps the words and the block structure', async () => {
    const { text } = await harness.execute(toText, {
      markdown: [
        '# Title & *more*',
        '',
        'A [link](https://x.example) and ![an image](i.png) with `code` and <b>bold</b>.',
        '',
        '> quoted',
        '',
        '3. three',
        '4. four',
        '',
        '- [x] done',
        '',
        '| h1 | h2 |',
        '|---|---|',
        '| c1 | c2 |',
        '',
        '```',
        'raw <code>',
        '```',
        '',
        '<div>block <i>html</i> &amp; more</div>',
      ].join('\n'),
    });
    assert.equal(
      text,
      [
        'Title & more',
        'A link and an image with code and bold.',
        'quoted',
        '3. three',
        '4. four',
        '- [x] done',
        'h1\th2\nc1\tc2',
        'raw <code>',
        'block html & more',
      ].join('\n\n'),
    );
  });

  it('reads files and needs a source', async () => {
    const input = harness.files.add('Some *text*', { name: 'a.md' });
    assert.deepEqual(await harness.execute(toText, { file: input }), { text: 'Some text' });
    await assert.rejects(harness.execute(toText, {}), { code: 'ONE_SOURCE_NEEDED' });
  });
});
