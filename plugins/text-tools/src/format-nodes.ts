// Nodes that reshape one text: case, whitespace, counting, truncation.
import { defineNode, PluginError, z } from '@plugboard/sdk';

const text = z.string().describe('The text to work on.');
const locale = z
  .string()
  .min(1)
  .optional()
  .describe(
    'BCP 47 language tag for language-specific rules, e.g. "tr" for Turkish dotted i; empty for the default.',
  );

/** Canonicalises a locale tag, or explains why it is not one. */
function checkLocale(tag: string | undefined): string | undefined {
  if (tag === undefined) {
    return undefined;
  }
  try {
    return Intl.getCanonicalLocales(tag)[0];
  } catch {
    throw new PluginError(`"${tag}" is not a language tag; use one such as "en", "de-CH" or "tr"`, {
      code: 'INVALID_LOCALE',
      details: { locale: tag },
    });
  }
}

const graphemes = (value: string, tag?: string): string[] =>
  Array.from(new Intl.Segmenter(tag, { granularity: 'grapheme' }).segment(value), (s) => s.segment);

// Words for identifier-style cases: runs of letters (split at lower→upper and ACRONYMWord
// boundaries) and runs of digits; everything else separates words.
const WORD = /\p{Lu}+(?=\p{Lu}\p{Ll})|\p{Lu}?[\p{Ll}\p{Lo}\p{Lm}\p{M}]+|\p{Lu}+\p{M}*|\p{N}+/gu;

const CASES = [
  'upper',
  'lower',
  'title',
  'sentence',
  'camel',
  'pascal',
  'snake',
  'kebab',
  'constant',
] as const;
type Case = (typeof CASES)[number];

function convertCase(value: string, to: Case, tag: string | undefined): string {
  const upper = (s: string): string => s.toLocaleUpperCase(tag);
  const lower = (s: string): string => s.toLocaleLowerCase(tag);
  const capitalise = (s: string): string => {
    const [first = '', ...rest] = graphemes(s, tag);
    return upper(first) + lower(rest.join(''));
  };
  const words = (): string[] => value.normalize('NFC').match(WORD) ?? [];
  switch (to) {
    case 'upper':
      return upper(value);
    case 'lower':
      return lower(value);
    case 'title':
      return value.replace(/[\p{L}\p{N}][\p{L}\p{M}\p{N}'’]*/gu, capitalise);
    case 'sentence':
      return lower(value).replace(
        /(^\s*|[.!?]\s+)(\p{L})/gu,
        (_match, before: string, letter: string) => before + upper(letter),
      );
    case 'camel':
      return words()
        .map((w, i) => (i === 0 ? lower(w) : capitalise(w)))
        .join('');
    case 'pascal':
      return words().map(capitalise).join('');
    case 'snake':
      return words().map(lower).join('_');
    case 'kebab':
      return words().map(lower).join('-');
    case 'constant':
      return words().map(upper).join('_');
  }
}

export const changeCase = defineNode({
  name: 'change-case',
  title: 'Change case',
  description:
    'Converts text to UPPER, lower, Title or Sentence case (punctuation kept), or to an identifier style: camelCase, PascalCase, snake_case, kebab-case or CONSTANT_CASE (words found at spaces, punctuation and case changes).',
  category: 'text',
  inputs: z.object({ text }),
  outputs: z.object({ text: z.string().describe('The converted text.') }),
  config: z.object({
    to: z
      .enum(CASES)
      .describe(
        'Target case: upper, lower, title, sentence, camel, pascal, snake, kebab or constant.',
      ),
    locale,
  }),
  run: (_ctx, inputs, { to, locale: tag }) => ({
    text: convertCase(inputs.text, to, checkLocale(tag)),
  }),
});

export const cleanWhitespace = defineNode({
  name: 'clean-whitespace',
  title: 'Clean whitespace',
  description:
    'Trims the text, collapses runs of spaces and tabs into one space, and tidies line breaks (all line endings become \\n).',
  category: 'text',
  inputs: z.object({ text }),
  outputs: z.object({ text: z.string().describe('The cleaned text.') }),
  config: z.object({
    trim: z
      .enum(['both', 'start', 'end', 'none'])
      .default('both')
      .describe('Which ends of the whole text to trim.'),
    collapseSpaces: z
      .boolean()
      .default(true)
      .describe('Replace each run of spaces and tabs inside a line with a single space.'),
    trimLines: z
      .boolean()
      .default(true)
      .describe('Trim spaces and tabs at both ends of each line.'),
    lineBreaks: z
      .enum(['keep', 'collapse-blank', 'remove-blank', 'remove'])
      .default('keep')
      .describe(
        'keep: leave lines alone; collapse-blank: at most one blank line in a row; remove-blank: drop blank lines; remove: join everything into one line.',
      ),
  }),
  run: (_ctx, inputs, config) => {
    let lines = inputs.text.split(/\r\n|\r|\n/);
    if (config.collapseSpaces) {
      lines = lines.map((line) => line.replace(/[ \t\f\v\u00a0]+/g, ' '));
    }
    if (config.trimLines) {
      lines = lines.map((line) => line.replace(/^[ \t\f\v\u00a0]+|[ \t\f\v\u00a0]+$/g, ''));
    }
    let result: string;
    switch (config.lineBreaks) {
      case 'keep':
        result = lines.join('\n');
        break;
      case 'collapse-blank':
        result = lines.join('\n').replace(/\n(?:[ \t]*\n){2,}/g, '\n\n');
        break;
      case 'remove-blank':
        result = lines.filter((line) => line.trim() !== '').join('\n');
        break;
      case 'remove':
        result = lines
          .map((line) => line.trim())
          .filter((line) => line !== '')
          .join(' ');
        break;
    }
    switch (config.trim) {
      case 'both':
        return { text: result.trim() };
      case 'start':
        return { text: result.trimStart() };
      case 'end':
        return { text: result.trimEnd() };
      case 'none':
        return { text: result };
    }
  },
});

export const count = defineNode({
  name: 'count',
  title: 'Count characters, words and lines',
  description:
    'Counts characters (as people see them: an emoji or an accented letter is one), words, sentences and lines of a text, and its size in UTF-8 bytes. Words and sentences follow the Unicode rules for the language.',
  category: 'text',
  inputs: z.object({ text }),
  outputs: z.object({
    characters: z.number().int().describe('User-perceived characters (grapheme clusters).'),
    charactersWithoutSpaces: z.number().int().describe('Characters that are not whitespace.'),
    words: z.number().int().describe('Words (numbers count as words; punctuation does not).'),
    sentences: z.number().int().describe('Sentences that contain something other than spaces.'),
    lines: z
      .number()
      .int()
      .describe('Lines; a final line break does not start a new line. 0 for empty text.'),
    bytes: z.number().int().describe('Size in bytes when encoded as UTF-8.'),
  }),
  config: z.object({ locale }),
  run: (_ctx, inputs, config) => {
    const tag = checkLocale(config.locale);
    const value = inputs.text;
    const chars = graphemes(value, tag);
    const words = Array.from(
      new Intl.Segmenter(tag, { granularity: 'word' }).segment(value),
    ).filter((s) => s.isWordLike === true).length;
    const sentences = Array.from(
      new Intl.Segmenter(tag, { granularity: 'sentence' }).segment(value),
    ).filter((s) => s.segment.trim() !== '').length;
    const lines =
      value === '' ? 0 : value.replace(/(?:\r\n|\r|\n)$/, '').split(/\r\n|\r|\n/).length;
    return {
      characters: chars.length,
      charactersWithoutSpaces: chars.filter((c) => c.trim() !== '').length,
      words,
      sentences,
      lines,
      bytes: Buffer.byteLength(value, 'utf8'),
    };
  },
});

export const truncate = defineNode({
  name: 'truncate',
  title: 'Truncate',
  description:
    'Shortens text to at most a number of characters (as people see them), ending with an ellipsis when it was cut. Can avoid cutting words in half.',
  category: 'text',
  inputs: z.object({ text }),
  outputs: z.object({
    text: z.string().describe('The text, shortened when it was longer than the maximum.'),
    truncated: z.boolean().describe('Whether the text was shortened.'),
  }),
  config: z.object({
    maxLength: z
      .number()
      .int()
      .min(1)
      .default(100)
      .describe('The longest result, in characters, ellipsis included.'),
    ellipsis: z
      .string()
      .default('…')
      .describe('Added at the end when the text is cut; may be empty.'),
    wholeWords: z
      .boolean()
      .default(true)
      .describe('Cut at the last space before the limit instead of inside a word.'),
  }),
  run: (_ctx, inputs, { maxLength, ellipsis, wholeWords }) => {
    const chars = graphemes(inputs.text);
    if (chars.length <= maxLength) {
      return { text: inputs.text, truncated: false };
    }
    const room = maxLength - graphemes(ellipsis).length;
    if (room < 1) {
      throw new PluginError(
        `The ellipsis "${ellipsis}" leaves no room for text within ${String(maxLength)} characters; raise maxLength or shorten the ellipsis`,
        { code: 'ELLIPSIS_TOO_LONG', details: { maxLength, ellipsis } },
      );
    }
    let kept = chars.slice(0, room);
    const next = chars[room] ?? '';
    if (wholeWords && next.trim() !== '') {
      const lastSpace = kept.findLastIndex((c) => c.trim() === '');
      if (lastSpace > 0) {
        kept = kept.slice(0, lastSpace);
      }
    }
    return { text: kept.join('').trimEnd() + ellipsis, truncated: true };
  },
});
