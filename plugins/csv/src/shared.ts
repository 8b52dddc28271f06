// What the CSV nodes share: the dialect settings, reading a file as a stream of records, and
// turning csv-parse's errors into PluginErrors.
import { addAbortSignal, pipeline, Readable } from 'node:stream';
import { parse, type Options as ParseOptions, type Parser } from 'csv-parse';
import type { Options as StringifyOptions } from 'csv-stringify';
import { isPluginError, PluginError, z, type ExecutionContext, type FileRef } from '@plugboard/sdk';

export const delimiter = z
  .string()
  .min(1)
  .max(8)
  .default(',')
  .describe('Field separator, e.g. "," or ";"; write \\t for a tab.');

export const quote = z
  .string()
  .length(1)
  .default('"')
  .describe('The character that quotes fields holding separators or line breaks.');

export const header = z
  .boolean()
  .default(true)
  .describe('Whether the first row holds the column names.');

const ENCODINGS = { 'utf-8': 'utf8', 'utf-16le': 'utf16le', latin1: 'latin1' } as const;

export const encoding = z
  .enum(['utf-8', 'utf-16le', 'latin1'])
  .default('utf-8')
  .describe('Text encoding of the file; a byte-order mark is skipped.');

/** `\t` typed in a form means a tab. */
export function unescapeDelimiter(value: string): string {
  return value.replace(/\\t/g, '\t');
}

export interface Dialect {
  readonly delimiter: string;
  readonly quote: string;
  readonly encoding: keyof typeof ENCODINGS;
}

/** Refuses dialects no CSV reader or writer can make sense of. */
export function checkDialect(dialect: Pick<Dialect, 'delimiter' | 'quote'>): void {
  if (unescapeDelimiter(dialect.delimiter).includes(dialect.quote)) {
    throw new PluginError(
      `The delimiter ${JSON.stringify(dialect.delimiter)} cannot contain the quote character ${JSON.stringify(dialect.quote)}`,
      { code: 'INVALID_CSV_OPTIONS' },
    );
  }
}

export function parserOptions(dialect: Dialect, extra: ParseOptions = {}): ParseOptions {
  checkDialect(dialect);
  return {
    delimiter: unescapeDelimiter(dialect.delimiter),
    quote: dialect.quote,
    encoding: ENCODINGS[dialect.encoding],
    bom: true,
    skip_empty_lines: true,
    ...extra,
  };
}

type Ctx = Pick<ExecutionContext<unknown, unknown>, 'files' | 'signal'>;

/**
 * Opens a file as a stream of parsed records: the bytes flow from the file bridge through the
 * parser as they are consumed, so the file is never held whole. Stopping early (break) or an
 * error anywhere tears down the whole chain; the execution's signal aborts it.
 */
export async function openRecords(ctx: Ctx, file: FileRef, options: ParseOptions): Promise<Parser> {
  let parser: Parser;
  try {
    parser = parse(options);
  } catch (error) {
    throw toCsvError(error, file);
  }
  const source = Readable.fromWeb(await ctx.files.open(file).stream());
  pipeline(source, parser, () => {
    // Errors reach whoever reads the parser; nothing else to do here.
  });
  return addAbortSignal(ctx.signal, parser);
}

/** Reports a csv-parse error (bad quotes, ragged rows) with its line; passes others through. */
export function toCsvError(error: unknown, file: FileRef): Error {
  if (isPluginError(error)) {
    return error;
  }
  const csv = error as { code?: unknown; message?: unknown; lines?: unknown };
  if (typeof csv.code === 'string' && csv.code.startsWith('CSV_')) {
    const optionProblem = /^CSV_(?:INVALID_)?OPTION/.test(csv.code);
    return new PluginError(
      optionProblem
        ? `The CSV settings are invalid: ${String(csv.message)}`
        : `${file.name} is not valid CSV: ${String(csv.message)}`,
      {
        code: optionProblem ? 'INVALID_CSV_OPTIONS' : 'INVALID_CSV',
        details: {
          csvCode: csv.code,
          ...(typeof csv.lines === 'number' ? { line: csv.lines } : {}),
        },
      },
    );
  }
  return error instanceof Error ? error : new Error(String(error));
}

/** Cells as csv-stringify should write them: JSON for objects, words for booleans, '' for null. */
const castForCsv = {
  boolean: (value: boolean): string => String(value),
  object: (value: object): string => JSON.stringify(value),
  number: (value: number): string => String(value),
};

// OWASP's CSV injection guidance: spreadsheets run a cell starting with =, +, -, @, tab or CR as a
// formula (some also read the full-width =, +, - and @ that way, which csv-stringify lists too).
const FORMULA_START = /^[=+\-@\t\r\uFF1D\uFF0B\uFF0D\uFF20]/;
// A signed number, grouping separators included (-1,234.56), is read as a number, never as a
// formula: with nothing but digits, separators and one leading sign it cannot call anything.
// Escaping it would turn the negative amounts of every filtered file into text.
const PLAIN_NUMBER = /^[+-](?=[.,]?\d)[\d.,]*(?:[eE][+-]?\d+)?$/;

/** A text cell made safe to open in a spreadsheet: `'` before anything that would run as a formula. */
function escapeFormula(value: string): string {
  return FORMULA_START.test(value) && !PLAIN_NUMBER.test(value) ? `'${value}` : value;
}

/** How every CSV this plugin writes treats its cells, header included. */
export function writerOptions(
  escapeFormulas: boolean,
): Pick<StringifyOptions, 'cast' | 'quoted_match'> {
  return {
    cast: escapeFormulas ? { ...castForCsv, string: escapeFormula } : castForCsv,
    // A line break inside a cell must never split the record, whatever the reader: any cell
    // holding CR or LF is quoted (csv-stringify does so by default; this keeps it explicit).
    quoted_match: /[\r\n]/,
  };
}

export function lineEnding(value: 'lf' | 'crlf'): 'unix' | 'windows' {
  return value === 'lf' ? 'unix' : 'windows';
}

export const lineEndingField = z
  .enum(['lf', 'crlf'])
  .default('lf')
  .describe('Line ending of the written file: lf (\\n) or crlf (\\r\\n, as Excel writes).');

export const escapeFormulas = z
  .boolean()
  .default(true)
  .describe(
    "Prefix text cells starting with =, +, -, @, tab or CR with ' so spreadsheets show them instead of running them as formulas (CSV injection). On by default; plain numbers such as -12.5 are left alone. Turn off only for files no spreadsheet will open.",
  );

/** A name for a new CSV file: the given one, or the source's name with a suffix. */
export function outputName(given: string | undefined, fallback: string): string {
  const name = (given ?? fallback).trim();
  return name.toLowerCase().endsWith('.csv') ? name : `${name}.csv`;
}
