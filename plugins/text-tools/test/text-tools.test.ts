import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { createTestHarness } from '@plugboard/sdk/testing';
import plugin, {
  changeCase,
  cleanWhitespace,
  count,
  join,
  replace,
  split,
  truncate,
} from '../src/index.ts';

const harness = createTestHarness(plugin);

describe('change-case', () => {
  const cases: [string, string][] = [
    ['upper', 'HELLO WORLD-WIDE XMLHTTPREQUEST 2'],
    ['lower', 'hello world-wide xmlhttprequest 2'],
    ['title', 'Hello World-Wide Xmlhttprequest 2'],
    ['camel', 'helloWorldWideXmlHttpRequest2'],
    ['pascal', 'HelloWorldWideXmlHttpRequest2'],
    ['snake', 'hello_world_wide_xml_http_request_2'],
    ['kebab', 'hello-world-wide-xml-http-request-2'],
    ['constant', 'HELLO_WORLD_WIDE_XML_HTTP_REQUEST_2'],
  ];
  for (const [to, expected] of cases) {
    it(`converts to ${to}`, async () => {
      const { text } = await harness.execute(
        changeCase,
        { text: 'hello world-wide XMLHttpRequest 2' },
        { config: { to } },
      );
      assert.equal(text, expected);
    });
  }

  it('converts to sentence case and keeps accented letters whole', async () => {
    const { text } = await harness.execute(
      changeCase,
      { text: 'ÉCOLE est FERMÉE. il PLEUT! vraiment?' },
      { config: { to: 'sentence' } },
    );
    assert.equal(text, 'École est fermée. Il pleut! Vraiment?');
  });

  it('applies language rules for a locale', async () => {
    const { text } = await harness.execute(
      changeCase,
      { text: 'istanbul' },
      { config: { to: 'upper', locale: 'tr' } },
    );
    assert.equal(text, 'İSTANBUL');
  });

  it('refuses an invalid locale and a missing target case', async () => {
    await assert.rejects(
      harness.execute(changeCase, { text: 'a' }, { config: { to: 'upper', locale: 'not a tag' } }),
      { code: 'INVALID_LOCALE' },
    );
    await assert.rejects(harness.execute(changeCase, { text: 'a' }), {
      code: 'PLUGIN_VALIDATION_FAILED',
    });
  });
});

describe('clean-whitespace', () => {
  const messy = '  Hello   \t world  \r\n\n\n\n  second\tline  \n';

  it('trims, collapses spaces and keeps lines by default', async () => {
    const { text } = await harness.execute(cleanWhitespace, { text: messy });
    assert.equal(text, 'Hello world\n\n\n\nsecond line');
  });

  it('collapses blank lines, removes them, or joins into one line', async () => {
    const run = async (lineBreaks: string) =>
      (await harness.execute(cleanWhitespace, { text: messy }, { config: { lineBreaks } })).text;
    assert.equal(await run('collapse-blank'), 'Hello world\n\nsecond line');
    assert.equal(await run('remove-blank'), 'Hello world\nsecond line');
    assert.equal(await run('remove'), 'Hello world second line');
  });

  it('can leave everything but the ends alone', async () => {
    const { text } = await harness.execute(
      cleanWhitespace,
      { text: '  a   b  ' },
      { config: { collapseSpaces: false, trimLines: false, trim: 'start' } },
    );
    assert.equal(text, 'a   b  ');
  });
});

describe('replace', () => {
  it('replaces literal text everywhere, with $ taken literally', async () => {
    const result = await harness.execute(
      replace,
      { text: 'a.b.c' },
      { config: { find: '.', replaceWith: '$&!' } },
    );
    assert.deepEqual(result, { text: 'a$&!b$&!c', replacements: 2 });
  });

  it('replaces only the first match, ignoring case', async () => {
    const result = await harness.execute(
      replace,
      { text: 'Cat cat CAT' },
      { config: { find: 'cat', replaceWith: 'dog', all: false, caseSensitive: false } },
    );
    assert.deepEqual(result, { text: 'dog cat CAT', replacements: 1 });
  });

  it('replaces regular-expression matches with groups and flags', async () => {
    const result = await harness.execute(
      replace,
      { text: 'x=1\ny=22' },
      {
        config: {
          find: '^(?<key>\\w)=(\\d+)$',
          replaceWith: '$2:$<key>',
          mode: 'regex',
          flags: 'm',
        },
      },
    );
    assert.deepEqual(result, { text: '1:x\n22:y', replacements: 2 });
  });

  it('reports an invalid regular expression or flag as INVALID_REGEX', async () => {
    await assert.rejects(
      harness.execute(replace, { text: 'a' }, { config: { find: '(unclosed', mode: 'regex' } }),
      (error: { code: string; message: string; kind: string }) => {
        assert.equal(error.code, 'INVALID_REGEX');
        assert.equal(error.kind, 'plugin');
        assert.match(error.message, /regular expression is invalid/);
        return true;
      },
    );
    await assert.rejects(
      harness.execute(replace, { text: 'a' }, { config: { find: 'a', mode: 'regex', flags: 'x' } }),
      { code: 'INVALID_REGEX' },
    );
  });

  it('checks the pattern and shows flags only in regex mode while editing', async () => {
    const text = await harness.nodeConfig(replace, { find: 'a', mode: 'text' });
    assert.deepEqual(text, { fields: { flags: { hidden: true } }, ready: true });
    const bad = await harness.nodeConfig(replace, { find: '[', mode: 'regex' });
    assert.equal(bad.ready, false);
    assert.match(bad.message ?? '', /Invalid regular expression/);
  });
});

describe('regular expressions run on RE2', () => {
  const catastrophic = { find: '(a+)+$', mode: 'regex', replaceWith: 'x' };
  const hostile = `${'a'.repeat(40)}!`;

  it('finishes a catastrophic pattern at once in replace and split', async () => {
    const started = performance.now();
    assert.deepEqual(await harness.execute(replace, { text: hostile }, { config: catastrophic }), {
      text: hostile,
      replacements: 0,
    });
    const pieces = await harness.execute(
      split,
      { text: hostile },
      { config: { by: 'regex', separator: '(?:a|aa)+b' } },
    );
    assert.deepEqual(pieces, { items: [hostile], count: 1 });
    // A backtracking engine needs hours for either; RE2 needs milliseconds.
    assert.ok(performance.now() - started < 1_000);
  });

  it('gives the same results as JavaScript for the syntax both share', async () => {
    const cases: [find: string, flags: string, text: string, replaceWith: string][] = [
      ['(\\w)(\\d)?', '', 'a1 b c3', "[$2$1$$$&$`$'$10$01$0$3]"],
      ['(?<k>\\w)=(?<v>\\d+)', 'm', 'x=1\ny=22', '$<v>:$<k>$<nope>'],
      ['a*', '', 'aab', 'X'],
      ['.', '', 'a\r\nb\u2028c', '.'],
      ['.', 's', 'a\nb', '.'],
      ['\\s+', '', 'a\u00a0b \u2003c\ufeffd', '_'],
      ['[\\s\\S]', '', 'a\nb', '-'],
      ['\\u0041|\\x42|\\cJ', '', 'AB\n', '#'],
      ['(?:)', 'u', '😀a', '-'],
      ['\\bfoo\\b', '', 'foo food foo', 'x'],
      ['\\d{2,3}', 'y', '1234567 89', '<$&>'],
    ];
    for (const [find, flags, text, replaceWith] of cases) {
      for (const [all, caseSensitive] of [
        [true, true],
        [false, false],
      ] as const) {
        const native = new RegExp(find, `${all ? 'g' : ''}${caseSensitive ? '' : 'i'}${flags}`);
        const result = await harness.execute(
          replace,
          { text },
          { config: { find, flags, replaceWith, mode: 'regex', all, caseSensitive } },
        );
        assert.equal(result.text, text.replace(native, replaceWith), `${find} /${flags}`);
      }
    }
  });

  it('keeps the groups of a regex split, an unmatched one as ""', async () => {
    const result = await harness.execute(
      split,
      { text: 'a1-b-c3' },
      { config: { by: 'regex', separator: '(\\d)?-', trimItems: false, removeEmpty: false } },
    );
    assert.deepEqual(result.items, ['a', '1', 'b', '', 'c3']);
  });

  it('refuses backreferences and lookaround, saying what to do instead', async () => {
    const refused: [string, RegExp][] = [
      ['(\\w)\\1', /backreference/],
      ['(?<w>\\w)\\k<w>', /backreference/],
      ['a(?=b)', /lookahead/],
      ['a(?!b)', /lookahead/],
      ['(?<=a)b', /lookbehind/],
      ['(?<!a)b', /lookbehind/],
    ];
    for (const [find, construct] of refused) {
      await assert.rejects(
        harness.execute(replace, { text: 'ab' }, { config: { find, mode: 'regex' } }),
        (error: { code: string; message: string }) => {
          assert.equal(error.code, 'UNSUPPORTED_REGEX');
          assert.match(error.message, construct);
          assert.match(error.message, /RE2 cannot run.*instead, /);
          return true;
        },
      );
    }
    await assert.rejects(
      harness.execute(split, { text: 'ab' }, { config: { by: 'regex', separator: '(?=b)' } }),
      { code: 'UNSUPPORTED_REGEX' },
    );
    const editing = await harness.nodeConfig(replace, { find: 'a(?=b)', mode: 'regex' });
    assert.equal(editing.ready, false);
    assert.match(editing.message ?? '', /lookahead/);
    const splitting = await harness.nodeConfig(split, { by: 'regex', separator: '(\\w)\\1' });
    assert.equal(splitting.ready, false);
    assert.match(splitting.message ?? '', /backreference/);
  });
});

describe('split', () => {
  it('splits lines, trimming and dropping empty ones', async () => {
    const result = await harness.execute(split, { text: ' one \r\n\ntwo\nthree ' });
    assert.deepEqual(result, { items: ['one', 'two', 'three'], count: 3 });
  });

  it('splits by a custom separator with escapes, a regex, and a limit', async () => {
    const custom = await harness.execute(
      split,
      { text: 'a\t b\tc' },
      { config: { by: 'custom', separator: '\\t', trimItems: false } },
    );
    assert.deepEqual(custom.items, ['a', ' b', 'c']);
    const regex = await harness.execute(
      split,
      { text: 'a; b,c ,d' },
      { config: { by: 'regex', separator: '\\s*[;,]\\s*', limit: 3 } },
    );
    assert.deepEqual(regex, { items: ['a', 'b', 'c'], count: 3 });
    const empty = await harness.execute(split, { text: '' }, { config: { by: 'comma' } });
    assert.deepEqual(empty, { items: [], count: 0 });
  });

  it('needs a separator for custom and regex', async () => {
    await assert.rejects(harness.execute(split, { text: 'a' }, { config: { by: 'custom' } }), {
      code: 'SEPARATOR_REQUIRED',
    });
    await assert.rejects(
      harness.execute(split, { text: 'a' }, { config: { by: 'regex', separator: '(' } }),
      { code: 'INVALID_REGEX' },
    );
    const editing = await harness.nodeConfig(split, { by: 'custom' });
    assert.equal(editing.ready, false);
    assert.equal(editing.fields['separator']?.hidden, false);
    assert.equal((await harness.nodeConfig(split, {})).fields['separator']?.hidden, true);
  });
});

describe('join', () => {
  it('joins with a separator and a last separator, skipping nulls and empties', async () => {
    const result = await harness.execute(
      join,
      { items: ['red', '', 2, null, true] },
      { config: { lastSeparator: ' and ' } },
    );
    assert.deepEqual(result, { text: 'red, 2 and true' });
  });

  it('reads \\n as a line break and handles short lists', async () => {
    assert.deepEqual(
      await harness.execute(join, { items: ['a', 'b'] }, { config: { separator: '\\n' } }),
      { text: 'a\nb' },
    );
    assert.deepEqual(
      await harness.execute(join, { items: ['solo'] }, { config: { lastSeparator: ' & ' } }),
      { text: 'solo' },
    );
    assert.deepEqual(await harness.execute(join, { items: [] }), { text: '' });
  });

  it('refuses objects in the list', async () => {
    await assert.rejects(harness.execute(join, { items: [{ a: 1 }] as never }), {
      code: 'PLUGIN_VALIDATION_FAILED',
    });
  });
});

describe('count', () => {
  it('counts characters as people see them, words, sentences, lines and bytes', async () => {
    const result = await harness.execute(count, {
      text: 'Héllo wörld 👍🏽! It costs 3.50.\nSecond line.\n',
    });
    assert.deepEqual(result, {
      characters: 43,
      charactersWithoutSpaces: 35,
      words: 7,
      sentences: 3,
      lines: 2,
      bytes: 52,
    });
  });

  it('counts an empty text as zero everywhere', async () => {
    assert.deepEqual(await harness.execute(count, { text: '' }), {
      characters: 0,
      charactersWithoutSpaces: 0,
      words: 0,
      sentences: 0,
      lines: 0,
      bytes: 0,
    });
  });
});

describe('truncate', () => {
  it('leaves short text alone', async () => {
    assert.deepEqual(
      await harness.execute(truncate, { text: 'short' }, { config: { maxLength: 5 } }),
      { text: 'short', truncated: false },
    );
  });

  it('cuts at a word boundary and adds the ellipsis within the limit', async () => {
    const result = await harness.execute(
      truncate,
      { text: 'The quick brown fox' },
      { config: { maxLength: 12 } },
    );
    assert.deepEqual(result, { text: 'The quick…', truncated: true });
  });

  it('cuts inside words when asked, never splitting an emoji', async () => {
    const result = await harness.execute(
      truncate,
      { text: 'ab👍🏽cdef' },
      { config: { maxLength: 6, ellipsis: '...', wholeWords: false } },
    );
    assert.deepEqual(result, { text: 'ab👍🏽...', truncated: true });
  });

  it('refuses an ellipsis that leaves no room', async () => {
    await assert.rejects(
      harness.execute(truncate, { text: 'abcdef' }, { config: { maxLength: 3, ellipsis: '...' } }),
      { code: 'ELLIPSIS_TOO_LONG' },
    );
  });
});
