// CSV file → JSON rows, read as a stream and stopped at maxRows.
import { defineNode, file, z } from '@plugboard/sdk';
import {
  delimiter,
  encoding,
  header,
  openRecords,
  parserOptions,
  quote,
  toCsvError,
} from './shared.ts';

const cell = z.union([z.string(), z.number(), z.null()]);

export const csvToJson = defineNode({
  name: 'csv-to-json',
  title: 'CSV to JSON',
  description:
    'Reads a CSV file as a stream and returns its rows as JSON: objects keyed by the header row, or arrays of cells without one. Stops after maxRows (truncated tells), so huge files do not flood the workflow.',
  category: 'data',
  inputs: z.object({ file: file().describe('The CSV file to read.') }),
  outputs: z.object({
    rows: z
      .array(z.union([z.record(z.string(), cell), z.array(cell)]))
      .describe('One object per row (with a header row) or one array of cells per row.'),
    columns: z
      .array(z.string())
      .describe('The column names from the header row; empty without a header.'),
    rowCount: z.number().int().describe('How many rows were returned.'),
    truncated: z.boolean().describe('True when the file has more rows than maxRows.'),
  }),
  config: z.object({
    delimiter,
    quote,
    header,
    encoding,
    trim: z.boolean().default(false).describe('Trim spaces around unquoted cells.'),
    skipEmptyLines: z.boolean().default(true).describe('Ignore lines with nothing on them.'),
    relaxColumnCount: z
      .boolean()
      .default(false)
      .describe('Accept rows with more or fewer cells than the first row instead of failing.'),
    castNumbers: z
      .boolean()
      .default(false)
      .describe('Turn cells that look like numbers into numbers; everything else stays text.'),
    emptyAsNull: z.boolean().default(false).describe('Give empty cells as null instead of "".'),
    maxRows: z
      .number()
      .int()
      .min(1)
      .max(1_000_000)
      .default(10_000)
      .describe('Stop after this many rows (not counting the header).'),
  }),
  run: async (ctx, inputs, config) => {
    let columns: string[] = [];
    const records = await openRecords(
      ctx,
      inputs.file,
      parserOptions(config, {
        columns: config.header
          ? (names: string[]) => {
              columns = names.map(String);
              return columns;
            }
          : false,
        trim: config.trim,
        skip_empty_lines: config.skipEmptyLines,
        relax_column_count: config.relaxColumnCount,
        cast: (value, context) => {
          if (context.header || context.quoting) {
            return value;
          }
          if (config.emptyAsNull && value === '') {
            return null;
          }
          if (config.castNumbers && value.trim() !== '' && Number.isFinite(Number(value))) {
            return Number(value);
          }
          return value;
        },
      }),
    );
    const rows: (Record<string, string | number | null> | (string | number | null)[])[] = [];
    let truncated = false;
    try {
      for await (const record of records) {
        if (rows.length === config.maxRows) {
          truncated = true;
          break;
        }
        rows.push(record as (typeof rows)[number]);
      }
    } catch (error) {
      throw toCsvError(error, inputs.file);
    }
    ctx.log.debug('parsed CSV', { rows: rows.length, truncated });
    return { rows, columns, rowCount: rows.length, truncated };
  },
});
