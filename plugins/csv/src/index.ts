// Official plugin: CSV in and out, built on csv-parse and csv-stringify (https://csv.js.org).
import { definePlugin } from '@plugboard/sdk';
import { csvToJson } from './csv-to-json.ts';
import { filterRows } from './filter-rows.ts';
import { jsonToCsv } from './json-to-csv.ts';

export { csvToJson, filterRows, jsonToCsv };

export default definePlugin({
  id: 'csv',
  version: '1.0.0',
  displayName: 'CSV',
  description:
    'Read CSV files into JSON rows, write JSON rows as CSV files, and filter CSV files of any size as streams.',
  author: 'Plugboard',
  nodes: [csvToJson, jsonToCsv, filterRows],
});
