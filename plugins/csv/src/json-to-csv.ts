// JSON rows → a new CSV file, streamed from the rows through csv-stringify into storage.
import { Readable } from 'node:stream';
import { stringify } from 'csv-stringify';
import { defineNode, file, PluginError, z } from '@plugboard/sdk';
import {
  checkDialect,
  delimiter,
  escapeFormulas,
  lineEnding,
  lineEndingField,
  outputName,
  quote,
  unescapeDelimiter,
  writerOptions,
} from './shared.ts';

type Row = Record<string, unknown> | unknown[];

/** Every key of the object rows, in the order first seen. */
function keysOf(rows: readonly Row[]): string[] {
  const keys = new Set<string>();
  for (const row of rows) {
    if (!Array.isArray(row)) {
      for (const key of Object.keys(row)) {
        keys.add(key);
      }
    }
  }
  return [...keys];
}

export const jsonToCsv = defineNode({
  name: 'json-to-csv',
  title: 'JSON to CSV',
  description:
    'Writes rows as a new CSV file. Rows are objects (columns from their keys, or the columns you list) or arrays of cells. Nested objects and arrays are written as JSON, null as an empty cell.',
  category: 'data',
  inputs: z.object({
    rows: z
      .array(z.union([z.record(z.string(), z.unknown()), z.array(z.unknown())]))
      .describe('The rows: all objects, or all arrays of cells.'),
  }),
  outputs: z.object({
    file: file().describe('The new CSV file.'),
    rowCount: z.number().int().describe('How many rows were written, not counting the header.'),
  }),
  config: z.object({
    columns: z
      .array(z.string().min(1))
      .optional()
      .describe(
        'Which columns to write, in order. For object rows, default: every key, in the order first seen. For array rows, these are the header names.',
      ),
    header: z
      .boolean()
      .default(true)
      .describe('Write a header row (array rows need columns for it).'),
    delimiter,
    quote,
    quoteAll: z.boolean().default(false).describe('Quote every cell, not only those that need it.'),
    lineEnding: lineEndingField,
    bom: z
      .boolean()
      .default(false)
      .describe('Start the file with a UTF-8 byte-order mark (helps Excel detect UTF-8).'),
    escapeFormulas,
    fileName: z.string().min(1).default('data.csv').describe('Name of the new file.'),
  }),
  run: async (ctx, inputs, config) => {
    checkDialect(config);
    const { rows } = inputs;
    const arrays = rows.filter((row) => Array.isArray(row)).length;
    if (arrays !== 0 && arrays !== rows.length) {
      throw new PluginError(
        'Rows mix objects and arrays; give all rows as objects or all as arrays of cells',
        { code: 'MIXED_ROWS' },
      );
    }
    const objectRows = rows.length > 0 && arrays === 0;
    const columns = config.columns ?? (objectRows ? keysOf(rows) : undefined);
    const stringifier = stringify({
      delimiter: unescapeDelimiter(config.delimiter),
      quote: config.quote,
      quoted: config.quoteAll,
      record_delimiter: lineEnding(config.lineEnding),
      bom: config.bom,
      header: config.header && columns !== undefined,
      ...writerOptions(config.escapeFormulas),
      ...(columns === undefined ? {} : { columns }),
    });
    // Readable.from feeds rows on demand, so the CSV is produced as storage takes it.
    Readable.from(rows).pipe(stringifier);
    const created = await ctx.files.create(stringifier, {
      name: outputName(config.fileName, 'data'),
      contentType: 'text/csv',
    });
    return { file: created, rowCount: rows.length };
  },
});
