// Nodes that search a text or move between a text and a list: replace, split, join.
import { defineNode, PluginError, z, type DynamicConfigResult } from '@plugboard/sdk';

/** Reads `\n`, `\r` and `\t` typed into a form field as the characters they name. */
function unescape(value: string): string {
  return value.replace(/\\([nrt\\])/g, (_m, c: string) =>
    c === 'n' ? '\n' : c === 'r' ? '\r' : c === 't' ? '\t' : '\\',
  );
}

function escapeRegExp(value: string): string {
  return value.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/** Compiles a user's pattern, turning the engine's SyntaxError into a PluginError people can act on. */
function compile(pattern: string, flags: string): RegExp {
  try {
    return new RegExp(pattern, flags);
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    throw new PluginError(`The regular expression is invalid: ${reason}`, {
      code: 'INVALID_REGEX',
      details: { pattern, flags },
    });
  }
}

const REGEX_FLAGS = /^[imsuvyg]*$/;

export const replace = defineNode({
  name: 'replace',
  title: 'Find and replace',
  description:
    'Replaces a piece of text, or matches of a JavaScript regular expression, with something else. In regex mode the replacement may use $1, $<name> and $&; in text mode it is used as is.',
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
      .describe('text: find is plain text; regex: find is a JavaScript regular expression.'),
    all: z.boolean().default(true).describe('Replace every match, not only the first.'),
    caseSensitive: z.boolean().default(true).describe('Match upper and lower case exactly.'),
    flags: z
      .string()
      .default('')
      .describe(
        'Extra regular-expression flags (regex mode): m (^ and $ match at line breaks), s (. matches line breaks), u or v (Unicode), y (sticky). g and i come from "all" and "case sensitive".',
      ),
  }),
  dynamicConfig: (_ctx, config): DynamicConfigResult => {
    const regex = config.mode === 'regex';
    const fields = { flags: { hidden: !regex } };
    if (regex && config.find !== undefined && config.find !== '') {
      try {
        new RegExp(config.find, (config.flags ?? '').replace(/[gi]/g, ''));
      } catch (error) {
        const reason = error instanceof Error ? error.message : String(error);
        return { fields, ready: false, message: reason };
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
    const extra = config.mode === 'regex' ? config.flags.replace(/[gi]/g, '') : '';
    const flags = [
      ...new Set(`${config.all ? 'g' : ''}${config.caseSensitive ? '' : 'i'}${extra}`),
    ];
    const pattern = config.mode === 'regex' ? config.find : escapeRegExp(config.find);
    const regex = compile(pattern, flags.join(''));
    const replacements = config.all
      ? Array.from(inputs.text.matchAll(regex)).length
      : Number(regex.test(inputs.text));
    regex.lastIndex = 0;
    const text =
      config.mode === 'regex'
        ? inputs.text.replace(regex, config.replaceWith)
        : inputs.text.replace(regex, () => config.replaceWith);
    return { text, replacements };
  },
});

const SEPARATORS = {
  lines: /\r\n|\r|\n/,
  comma: ',',
  whitespace: /\s+/,
} as const;

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
    return {
      fields: {
        separator: {
          hidden: !needsSeparator,
          description:
            config.by === 'regex'
              ? 'A JavaScript regular expression, e.g. [;,]\\s*'
              : 'The exact text between pieces; \\n and \\t are read as line break and tab.',
        },
      },
      ...(needsSeparator && (config.separator ?? '') === ''
        ? { ready: false, message: `Splitting by "${config.by}" needs a separator` }
        : {}),
    };
  },
  run: (_ctx, inputs, config) => {
    let separator: string | RegExp;
    if (config.by === 'custom' || config.by === 'regex') {
      if (config.separator === undefined || config.separator === '') {
        throw new PluginError(`Splitting by "${config.by}" needs a separator; fill in separator`, {
          code: 'SEPARATOR_REQUIRED',
        });
      }
      separator =
        config.by === 'custom' ? unescape(config.separator) : compile(config.separator, 'u');
    } else {
      separator = SEPARATORS[config.by];
    }
    let items = inputs.text === '' ? [] : inputs.text.split(separator);
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
