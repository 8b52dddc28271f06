// Nodes that search a text or move between a text and a list: replace, split, join.
import {
  defineNode,
  isPluginError,
  PluginError,
  z,
  type DynamicConfigResult,
} from '@plugboard/sdk';
import { compileRegex, findMatches, replaceMatches, splitByRegex } from './regex.ts';

/** Reads `\n`, `\r` and `\t` typed into a form field as the characters they name. */
function unescape(value: string): string {
  return value.replace(/\\([nrt\\])/g, (_m, c: string) =>
    c === 'n' ? '\n' : c === 'r' ? '\r' : c === 't' ? '\t' : '\\',
  );
}

function escapeRegExp(value: string): string {
  return value.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

const REGEX_FLAGS = /^[imsuvyg]*$/;

/** Regex-mode flags for the JavaScript check and RE2: i from caseSensitive, the rest from flags. */
function regexFlags(flags: string, caseSensitive: boolean): string {
  return [...new Set(`${caseSensitive ? '' : 'i'}${flags.replace(/[giy]/g, '')}`)].join('');
}

/** Edit-time message for a pattern that will not compile, or undefined. */
function regexProblem(pattern: string, flags: string): string | undefined {
  try {
    compileRegex(pattern, flags);
    return undefined;
  } catch (error) {
    return isPluginError(error) ? error.message : String(error);
  }
}

export const replace = defineNode({
  name: 'replace',
  title: 'Find and replace',
  description:
    'Replaces a piece of text, or matches of a regular expression (JavaScript syntax, run by the linear-time RE2 engine: no backreferences or lookaround), with something else. In regex mode the replacement may use $1, $<name> and $&; in text mode it is used as is.',
  category: 'text',
  inputs: z.object({ text: z.string().describe('The text to search.') }),
  outputs: z.object({
    text: z.string().describe('The text after replacing.'),
    replacements: z.number().int().describe('How many matches were replaced.'),
  }),
  config: z.object({
    find: z.string().min(1).describe('The text, or the regular expression, to look for.'),
    replaceWith: z.string().default('').describe('What each match becomes; empty to delete.'),
    mode: z
      .enum(['text', 'regex'])
      .default('text')
      .describe(
        'text: find is plain text; regex: find is a regular expression in JavaScript syntax without backreferences (\\1) or lookaround ((?=, (?!, (?<=, (?<!), which RE2 cannot run.',
      ),
    all: z.boolean().default(true).describe('Replace every match, not only the first.'),
    caseSensitive: z.boolean().default(true).describe('Match upper and lower case exactly.'),
    flags: z
      .string()
      .default('')
      .describe(
        'Extra regular-expression flags (regex mode): m (^ and $ match at \\n line breaks), s (. matches line breaks), u or v (Unicode; always on in RE2), y (sticky). g and i come from "all" and "case sensitive".',
      ),
  }),
  dynamicConfig: (_ctx, config): DynamicConfigResult => {
    const regex = config.mode === 'regex';
    const fields = { flags: { hidden: !regex } };
    if (regex && config.find !== undefined && config.find !== '') {
      const problem = regexProblem(config.find, regexFlags(config.flags ?? '', true));
      if (problem !== undefined) {
        return { fields, ready: false, message: problem };
      }
    }
    return { fields };
  },
  run: (_ctx, inputs, config) => {
    if (!REGEX_FLAGS.test(config.flags)) {
      throw new PluginError(
        `"${config.flags}" holds flags JavaScript does not know; use only m, s, u, v, y`,
        { code: 'INVALID_REGEX', details: { flags: config.flags } },
      );
    }
    if (config.mode === 'text') {
      // A literal search cannot backtrack, so JavaScript's engine is safe here.
      const literal = new RegExp(
        escapeRegExp(config.find),
        `${config.all ? 'g' : ''}${config.caseSensitive ? '' : 'i'}`,
      );
      const replacements = config.all
        ? Array.from(inputs.text.matchAll(literal)).length
        : Number(literal.test(inputs.text));
      return { text: inputs.text.replace(literal, () => config.replaceWith), replacements };
    }
    const regex = compileRegex(config.find, regexFlags(config.flags, config.caseSensitive));
    const matches = findMatches(regex, inputs.text, {
      all: config.all,
      sticky: config.flags.includes('y'),
    });
    return {
      text: replaceMatches(inputs.text, matches, config.replaceWith),
      replacements: matches.length,
    };
  },
});

const SEPARATORS = {
  lines: /\r\n|\r|\n/,
  comma: ',',
  whitespace: /\s+/,
} as const;

type SplitBy = 'lines' | 'comma' | 'whitespace' | 'custom' | 'regex';

function splitter(by: SplitBy, separator: string): (text: string) => string[] {
  switch (by) {
    case 'regex': {
      const regex = compileRegex(separator, 'u');
      return (text) => splitByRegex(regex, text);
    }
    case 'custom': {
      const custom = unescape(separator);
      return (text) => text.split(custom);
    }
    case 'lines':
    case 'comma':
    case 'whitespace': {
      const fixed = SEPARATORS[by];
      return (text) => text.split(fixed);
    }
  }
}

export const split = defineNode({
  name: 'split',
  title: 'Split into a list',
  description:
    'Splits text into a list of strings: at line breaks, commas, whitespace, a separator of your choice or a regular expression.',
  category: 'text',
  inputs: z.object({ text: z.string().describe('The text to split.') }),
  outputs: z.object({
    items: z.array(z.string()).describe('The pieces, in order.'),
    count: z.number().int().describe('How many pieces there are.'),
  }),
  config: z.object({
    by: z
      .enum(['lines', 'comma', 'whitespace', 'custom', 'regex'])
      .default('lines')
      .describe('Where to split.'),
    separator: z
      .string()
      .optional()
      .describe(
        'The separator for "custom" (\\n and \\t are read as line break and tab) or the regular expression for "regex".',
      ),
    trimItems: z.boolean().default(true).describe('Trim whitespace around each piece.'),
    removeEmpty: z.boolean().default(true).describe('Leave out empty pieces.'),
    limit: z
      .number()
      .int()
      .min(1)
      .optional()
      .describe('Keep at most this many pieces (the first ones).'),
  }),
  dynamicConfig: (_ctx, config): DynamicConfigResult => {
    const needsSeparator = config.by === 'custom' || config.by === 'regex';
    const missing = needsSeparator && (config.separator ?? '') === '';
    const problem =
      config.by === 'regex' && !missing ? regexProblem(config.separator ?? '', 'u') : undefined;
    return {
      fields: {
        separator: {
          hidden: !needsSeparator,
          description:
            config.by === 'regex'
              ? 'A regular expression in JavaScript syntax (no backreferences or lookaround), e.g. [;,]\\s*'
              : 'The exact text between pieces; \\n and \\t are read as line break and tab.',
        },
      },
      ...(missing
        ? { ready: false, message: `Splitting by "${config.by}" needs a separator` }
        : {}),
      ...(problem === undefined ? {} : { ready: false, message: problem }),
    };
  },
  run: (_ctx, inputs, config) => {
    if (
      (config.by === 'custom' || config.by === 'regex') &&
      (config.separator === undefined || config.separator === '')
    ) {
      throw new PluginError(`Splitting by "${config.by}" needs a separator; fill in separator`, {
        code: 'SEPARATOR_REQUIRED',
      });
    }
    // Built before looking at the text, so a bad pattern is reported whatever the input.
    const splitText = splitter(config.by, config.separator ?? '');
    let items = inputs.text === '' ? [] : splitText(inputs.text);
    if (config.trimItems) {
      items = items.map((item) => item.trim());
    }
    if (config.removeEmpty) {
      items = items.filter((item) => item !== '');
    }
    if (config.limit !== undefined) {
      items = items.slice(0, config.limit);
    }
    return { items, count: items.length };
  },
});

export const join = defineNode({
  name: 'join',
  title: 'Join a list',
  description:
    'Joins a list of strings (numbers and booleans are written as text, nulls are skipped) into one text, e.g. "a, b and c".',
  category: 'text',
  inputs: z.object({
    items: z
      .array(z.union([z.string(), z.number(), z.boolean(), z.null()]))
      .describe('The pieces to join, in order.'),
  }),
  outputs: z.object({ text: z.string().describe('The joined text.') }),
  config: z.object({
    separator: z
      .string()
      .default(', ')
      .describe('Put between pieces; \\n and \\t are read as line break and tab.'),
    lastSeparator: z
      .string()
      .optional()
      .describe('Put between the last two pieces instead, e.g. " and ".'),
    skipEmpty: z.boolean().default(true).describe('Leave out empty strings.'),
  }),
  run: (_ctx, inputs, config) => {
    const items = inputs.items
      .filter((item) => item !== null)
      .map(String)
      .filter((item) => !config.skipEmpty || item !== '');
    const separator = unescape(config.separator);
    if (config.lastSeparator === undefined || items.length < 2) {
      return { text: items.join(separator) };
    }
    const last = items.pop() ?? '';
    return { text: items.join(separator) + unescape(config.lastSeparator) + last };
  },
});
