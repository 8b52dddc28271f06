// Users' regular expressions run on RE2 (its JavaScript port re2js), whose matching time grows
// linearly with the text: a pattern such as (a+)+$ cannot hang the plugin the way it hangs a
// backtracking engine like JavaScript's own. People still write JavaScript syntax: the JavaScript
// parser checks it (constructing a RegExp never matches anything, so that step is safe and keeps
// the familiar error messages), what needs backtracking is refused with advice, and the rest is
// translated so that `.`, `\s` and `\S` keep their JavaScript meaning.
// text-tools/src/regex.ts holds the same compile step (plus replace and split): change both
// together.
import { RE2JS } from 're2js';
import { PluginError } from '@plugboard/sdk';

type Construct = 'backreference' | 'lookahead' | 'lookbehind' | 'class set operation';

/** What each construct is, and what to write instead. */
const UNSUPPORTED: Record<Construct, readonly [string, string]> = {
  backreference: [
    'a backreference (\\1 or \\k<name>)',
    'spell out the repeated text, or compare the parts in a later step',
  ],
  lookahead: [
    'a lookahead ((?=…) or (?!…))',
    'as the pattern only has to find the cell, write what follows into it: a(?=b) becomes ab, a(?!b) becomes a(?:[^b]|$)',
  ],
  lookbehind: [
    'a lookbehind ((?<=…) or (?<!…))',
    'as the pattern only has to find the cell, write what precedes into it: (?<=a)b becomes ab, (?<!a)b becomes (?:^|[^a])b',
  ],
  'class set operation': [
    'a v-flag class set operation (--, &&, a nested [ ] or \\q{…})',
    'list the characters of the class instead',
  ],
};

// JavaScript's \s: ASCII white space, Unicode separators (\p{Z}) and the BOM; RE2's \s is ASCII only.
const SPACE = '\\s\\v\\p{Z}\\x{FEFF}';
// JavaScript's `.` without the s flag stops at every line terminator; RE2's only at \n.
const NOT_LINE_BREAK = '[^\\n\\r\\x{2028}\\x{2029}]';

/**
 * Rewrites a JavaScript pattern (already known to be valid) into RE2 syntax, or names the first
 * construct RE2 cannot run. Only escapes, character classes and groups need tracking for that.
 */
function toRe2(pattern: string, flags: string): string | { unsupported: Construct } {
  const sets = flags.includes('v');
  let out = '';
  let inClass = false;
  for (let i = 0; i < pattern.length; i += 1) {
    const c = pattern.charAt(i);
    const next = pattern.charAt(i + 1);
    if (c === '\\') {
      if (!inClass && (/[1-9]/.test(next) || (next === 'k' && pattern.charAt(i + 2) === '<'))) {
        return { unsupported: 'backreference' };
      }
      if (inClass && sets && next === 'q') {
        return { unsupported: 'class set operation' };
      }
      i += 1;
      if (next === 's') {
        out += inClass ? SPACE : `[${SPACE}]`;
      } else if (next === 'S' && !inClass) {
        out += `[^${SPACE}]`;
      } else {
        out += c + next;
      }
    } else if (inClass) {
      if (sets && (c === '[' || ((c === '-' || c === '&') && next === c))) {
        return { unsupported: 'class set operation' };
      }
      inClass = c !== ']';
      out += c;
    } else if (c === '(' && next === '?' && /^[=!]/.test(pattern.charAt(i + 2))) {
      return { unsupported: 'lookahead' };
    } else if (c === '(' && next === '?' && /^<[=!]/.test(pattern.slice(i + 2, i + 4))) {
      return { unsupported: 'lookbehind' };
    } else if (c === '.' && !flags.includes('s')) {
      out += NOT_LINE_BREAK;
    } else {
      inClass = c === '[';
      out += c;
    }
  }
  return RE2JS.translateRegExp(out);
}

/**
 * Compiles a user's JavaScript-syntax pattern for RE2. `flags` are JavaScript flags among i, m, s,
 * u and v (g and y are the caller's business). Throws INVALID_REGEX for a pattern JavaScript would
 * refuse too, and UNSUPPORTED_REGEX for one that only a backtracking engine can run.
 */
export function compileRegex(pattern: string, flags: string): RE2JS {
  try {
    new RegExp(pattern, flags);
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    throw new PluginError(`The regular expression is invalid: ${reason}`, {
      code: 'INVALID_REGEX',
      details: { pattern, flags },
    });
  }
  const unsupported = (what: string, instead: string, construct?: Construct): PluginError =>
    new PluginError(
      `The regular expression uses ${what}, which RE2 cannot run. User patterns run on RE2 so that matching time stays proportional to the text (no catastrophic backtracking); instead, ${instead}.`,
      { code: 'UNSUPPORTED_REGEX', details: { pattern, ...(construct ? { construct } : {}) } },
    );
  const source = toRe2(pattern, flags);
  if (typeof source !== 'string') {
    const [what, instead] = UNSUPPORTED[source.unsupported];
    throw unsupported(what, instead, source.unsupported);
  }
  const bits =
    (flags.includes('i') ? RE2JS.CASE_INSENSITIVE : 0) |
    (flags.includes('m') ? RE2JS.MULTILINE : 0) |
    (flags.includes('s') ? RE2JS.DOTALL : 0);
  try {
    return RE2JS.compile(source, bits);
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    throw unsupported(
      `syntax outside RE2's (${reason})`,
      'rewrite it in the syntax both share, described at https://github.com/google/re2/wiki/Syntax',
    );
  }
}
