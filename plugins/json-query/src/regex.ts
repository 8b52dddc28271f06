// JSONata's regular expressions (/…/ in an expression, used by $match, $replace, $split and
// $contains) run on RE2, through its JavaScript port re2js, instead of JavaScript's backtracking
// engine: a single $match with a pattern such as (a+)+$ would otherwise block the plugin for hours,
// out of reach of the time and step limits, which JSONata only checks between steps.
import { RE2JS } from 're2js';
import { PluginError } from '@plugboard/sdk';

function unsupported(regex: RegExp, reason: string): PluginError {
  return new PluginError(
    `The regular expression /${regex.source}/ cannot run on RE2 (${reason}). Regular expressions run on RE2 so that matching time stays proportional to the text; backreferences and lookaround ((?=, (?!, (?<=, (?<!) need a backtracking engine, so match the surrounding text as well instead.`,
    { code: 'UNSUPPORTED_REGEX', details: { pattern: regex.source } },
  );
}

function compile(regex: RegExp): RE2JS {
  // translateRegExp would read \k as a plain letter, silently changing what \k<name> means.
  if (/\\k</.test(regex.source)) {
    throw unsupported(regex, 'a backreference \\k<name>');
  }
  try {
    // Turns JavaScript-only syntax (\uXXXX, (?<name>…), the i/m/s flags) into RE2's.
    return RE2JS.compile(RE2JS.translateRegExp(regex));
  } catch (error) {
    throw unsupported(regex, error instanceof Error ? error.message : String(error));
  }
}

/**
 * What JSONata asks of its `RegexEngine`: built from the RegExp its parser made (never run), then
 * `exec` from `lastIndex`, which moves past each match as with a global RegExp.
 */
export class Re2RegexEngine {
  lastIndex = 0;
  readonly #regex: RE2JS;

  constructor(regex: RegExp) {
    this.#regex = compile(regex);
  }

  /** A match as JSONata reads it: the match and its groups (undefined when unmatched), and `index`. */
  exec(text: string): ((string | undefined)[] & { index: number }) | null {
    const matcher = this.#regex.matcher(text);
    if (this.lastIndex > text.length || !matcher.find(this.lastIndex)) {
      this.lastIndex = 0;
      return null;
    }
    const found: (string | undefined)[] = [];
    for (let group = 0; group <= matcher.groupCount(); group += 1) {
      found.push(matcher.group(group) ?? undefined);
    }
    this.lastIndex = matcher.end();
    return Object.assign(found, { index: matcher.start() });
  }
}
