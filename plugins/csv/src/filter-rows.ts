// CSV file → CSV file holding the rows that match a condition, streamed end to end.
import { pipeline, Transform, type TransformCallback } from 'node:stream';
import { stringify } from 'csv-stringify';
import {
  defineNode,
  file,
  isPluginError,
  PluginError,
  z,
  type DynamicConfigResult,
} from '@plugboard/sdk';
import {
  delimiter,
  encoding,
  escapeFormulas,
  header,
  lineEnding,
  lineEndingField,
  openRecords,
  outputName,
  parserOptions,
  quote,
  toCsvError,
  unescapeDelimiter,
  writerOptions,
} from './shared.ts';
import { compileRegex } from './regex.ts';

const OPERATORS = [
  'equals',
  'not-equals',
  'contains',
  'not-contains',
  'starts-with',
  'ends-with',
  'matches',
  'is-empty',
  'is-not-empty',
  'greater-than',
  'greater-or-equal',
  'less-than',
  'less-or-equal',
] as const;
type Operator = (typeof OPERATORS)[number];

const VALUELESS = new Set<Operator>(['is-empty', 'is-not-empty']);
const NUMERIC = new Set<Operator>([
  'greater-than',
  'greater-or-equal',
  'less-than',
  'less-or-equal',
]);

const config = z.object({
  column: z
    .string()
    .min(1)
    .describe(
      'The column to test: its name from the header row, or its position (1 = first) without one.',
    ),
  operator: z
    .enum(OPERATORS)
    .default('equals')
    .describe(
      'How the cell is compared with the value. matches: value is a regular expression (JavaScript syntax, run by the linear-time RE2 engine: no backreferences or lookaround); greater/less: both read as numbers (rows whose cell is not a number are dropped).',
    ),
  value: z.string().default('').describe('What the cell is compared with.'),
  caseSensitive: z.boolean().default(true).describe('Compare upper and lower case exactly.'),
  header,
  delimiter,
  quote,
  encoding,
  lineEnding: lineEndingField,
  escapeFormulas,
  fileName: z
    .string()
    .min(1)
    .optional()
    .describe('Name of the new file; default: the input name with "-filtered".'),
});

type Config = z.output<typeof config>;

function buildTest(settings: Config): (cell: string) => boolean {
  const fold = (s: string): string => (settings.caseSensitive ? s : s.toLocaleLowerCase());
  const value = fold(settings.value);
  const number = Number(settings.value);
  const numeric = (compare: (a: number) => boolean) => (cell: string) =>
    cell.trim() !== '' && Number.isFinite(Number(cell)) && compare(Number(cell));
  if (NUMERIC.has(settings.operator) && (settings.value.trim() === '' || Number.isNaN(number))) {
    throw new PluginError(
      `"${settings.operator}" compares numbers; "${settings.value}" is not one`,
      {
        code: 'INVALID_VALUE',
      },
    );
  }
  switch (settings.operator) {
    case 'equals':
      return (cell) => fold(cell) === value;
    case 'not-equals':
      return (cell) => fold(cell) !== value;
    case 'contains':
      return (cell) => fold(cell).includes(value);
    case 'not-contains':
      return (cell) => !fold(cell).includes(value);
    case 'starts-with':
      return (cell) => fold(cell).startsWith(value);
    case 'ends-with':
      return (cell) => fold(cell).endsWith(value);
    case 'matches': {
      const regex = compileRegex(settings.value, settings.caseSensitive ? 'u' : 'iu');
      return (cell) => regex.test(cell);
    }
    case 'is-empty':
      return (cell) => cell.trim() === '';
    case 'is-not-empty':
      return (cell) => cell.trim() !== '';
    case 'greater-than':
      return numeric((n) => n > number);
    case 'greater-or-equal':
      return numeric((n) => n >= number);
    case 'less-than':
      return numeric((n) => n < number);
    case 'less-or-equal':
      return numeric((n) => n <= number);
  }
}

/** Finds the tested column: by name in the header, or by 1-based position without one. */
function columnIndex(settings: Config, headerRow: string[] | undefined): number {
  if (headerRow === undefined) {
    const position = Number(settings.column);
    if (!Number.isInteger(position) || position < 1) {
      throw new PluginError(
        `Without a header row, name the column by its position (1 = first), not "${settings.column}"`,
        { code: 'INVALID_COLUMN' },
      );
    }
    return position - 1;
  }
  const index = headerRow.indexOf(settings.column);
  if (index === -1) {
    throw new PluginError(
      `There is no column "${settings.column}"; the columns are ${headerRow.map((c) => `"${c}"`).join(', ')}`,
      { code: 'COLUMN_NOT_FOUND', details: { column: settings.column, columns: headerRow } },
    );
  }
  return index;
}

/** Edit-time help: hide what the operator does not use, and check the value and column early. */
function describeConfig(current: Partial<z.input<typeof config>>): DynamicConfigResult {
  const operator = current.operator ?? 'equals';
  const fields: DynamicConfigResult['fields'] = {
    value: {
      hidden: VALUELESS.has(operator),
      description:
        operator === 'matches'
          ? 'A regular expression in JavaScript syntax without backreferences or lookaround (RE2 runs it), e.g. ^(DE|FR)-\\d+$'
          : NUMERIC.has(operator)
            ? 'A number, e.g. 100 or -2.5'
            : 'The text to compare with.',
    },
    caseSensitive: { hidden: VALUELESS.has(operator) || NUMERIC.has(operator) },
    column: {
      description:
        current.header === false
          ? 'The column position: 1 for the first column, 2 for the second…'
          : 'The column name exactly as in the header row.',
    },
  };
  const problems: string[] = [];
  try {
    buildTest(config.parse({ column: 'x', ...current, operator }));
  } catch (error) {
    if (isPluginError(error)) {
      problems.push(error.message);
    }
  }
  if (current.header === false && current.column !== undefined) {
    const position = Number(current.column);
    if (!Number.isInteger(position) || position < 1) {
      problems.push('Without a header row, the column is a position: 1, 2, 3…');
    }
  }
  return problems.length === 0
    ? { fields, ready: true }
    : { fields, ready: false, message: problems.join('; ') };
}

export const filterRows = defineNode({
  name: 'filter-rows',
  title: 'Filter CSV rows',
  description:
    'Keeps the rows of a CSV file whose cell in one column matches a condition and writes them, with the header, to a new CSV file. Streams both ways with backpressure, so files of any size pass through in constant memory.',
  category: 'data',
  inputs: z.object({ file: file().describe('The CSV file to filter.') }),
  outputs: z.object({
    file: file().describe('A new CSV file with the header and the kept rows.'),
    rowsRead: z.number().int().describe('Rows read, not counting the header.'),
    rowsKept: z.number().int().describe('Rows written, not counting the header.'),
  }),
  config,
  dynamicConfig: (_ctx, current) => describeConfig(current),
  run: async (ctx, inputs, settings) => {
    const test = buildTest(settings);
    const records = await openRecords(
      ctx,
      inputs.file,
      parserOptions(settings, { relax_column_count: true }),
    );
    let rowsRead = 0;
    let rowsKept = 0;
    let index: number | undefined = settings.header ? undefined : columnIndex(settings, undefined);
    const filter = new Transform({
      objectMode: true,
      transform(record: string[], _encoding, done: TransformCallback) {
        try {
          if (index === undefined) {
            index = columnIndex(settings, record);
            done(null, record);
            return;
          }
          rowsRead += 1;
          if (test(record[index] ?? '')) {
            rowsKept += 1;
            done(null, record);
            return;
          }
          done();
        } catch (error) {
          done(error as Error);
        }
      },
    });
    const stringifier = stringify({
      delimiter: unescapeDelimiter(settings.delimiter),
      quote: settings.quote,
      record_delimiter: lineEnding(settings.lineEnding),
      ...writerOptions(settings.escapeFormulas),
    });
    // The first error anywhere in the chain; storage may report it wrapped, so keep the original.
    let failure: unknown;
    const output = pipeline(records, filter, stringifier, (error) => {
      failure ??= error ?? undefined;
    });
    const base = inputs.file.name.replace(/\.csv$/i, '');
    try {
      const created = await ctx.files.create(output, {
        name: outputName(settings.fileName, `${base}-filtered`),
        contentType: 'text/csv',
      });
      if (failure !== undefined) {
        throw toCsvError(failure, inputs.file);
      }
      ctx.log.info('filtered CSV', { rowsRead, rowsKept });
      return { file: created, rowsRead, rowsKept };
    } catch (error) {
      throw toCsvError(failure ?? error, inputs.file);
    }
  },
});
