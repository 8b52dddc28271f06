// Hostile input: formulas aimed at spreadsheets, line breaks inside cells, and patterns built to
// backtrack for hours.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { createTestHarness } from '@plugboard/sdk/testing';
import plugin, { csvToJson, filterRows, jsonToCsv } from '../src/index.ts';

const harness = createTestHarness(plugin);

const addCsv = (content: string) =>
  harness.files.add(content, { name: 'people.csv', contentType: 'text/csv' });

describe('json-to-csv with hostile cells', () => {
  it('escapes spreadsheet formulas by default, header included, but not plain numbers', async () => {
    const rows = [
      {
        '=cmd': '=HYPERLINK("http://evil.example","x")',
        plus: '+1+1',
        minus: '-2+3',
        at: '@SUM(A1)',
        tab: '\tx',
        cr: '\rx',
        wide: '\uFF1D1',
        number: -5,
        text: '-12.50',
        grouped: '-1,234.56',
        positive: '+3',
        fine: 'a=b',
      },
    ];
    const escaped = await harness.execute(jsonToCsv, { rows });
    assert.equal(
      harness.files.readText(escaped.file),
      [
        "'=cmd,plus,minus,at,tab,cr,wide,number,text,grouped,positive,fine",
        `"'=HYPERLINK(""http://evil.example"",""x"")",'+1+1,'-2+3,'@SUM(A1),'\tx,"'\rx",'\uFF1D1,-5,-12.50,"-1,234.56",+3,a=b`,
        '',
      ].join('\n'),
    );
    const raw = await harness.execute(jsonToCsv, { rows }, { config: { escapeFormulas: false } });
    assert.match(harness.files.readText(raw.file), /^=cmd,.*\n"=HYPERLINK/);
  });

  it('quotes every cell holding a CR or LF', async () => {
    const rows = [['a\rb', 'c\nd', 'e\r\nf', 'plain']];
    const { file } = await harness.execute(jsonToCsv, { rows }, { config: { lineEnding: 'crlf' } });
    assert.equal(harness.files.readText(file), '"a\rb","c\nd","e\r\nf",plain\r\n');
    const back = await harness.execute(csvToJson, { file }, { config: { header: false } });
    assert.deepEqual(back.rows, rows);
  });
});

describe('filter-rows with hostile cells and patterns', () => {
  const cities =
    'name,age,city\nAda,36,London\nGrace,85,New York\nLinus,28,helsinki\nAnon,,London\n';

  const filterText = async (config: Record<string, unknown>, content = cities) => {
    const result = await harness.execute(filterRows, { file: addCsv(content) }, { config });
    return { ...result, text: harness.files.readText(result.file) };
  };

  it('escapes formulas in the rows it writes unless told not to', async () => {
    const hostile = 'item,amount\n=1+1,-12.50\n@cmd,+3\nplain,4\n';
    const escaped = await filterText({ column: 'item', operator: 'is-not-empty' }, hostile);
    assert.equal(escaped.text, "item,amount\n'=1+1,-12.50\n'@cmd,+3\nplain,4\n");
    const raw = await filterText(
      { column: 'item', operator: 'is-not-empty', escapeFormulas: false },
      hostile,
    );
    assert.equal(raw.text, hostile);
  });

  it('matches patterns on RE2: no catastrophic backtracking, no lookaround', async () => {
    const hostile = `name\n${'a'.repeat(40)}!\n${'a'.repeat(20)}\n`;
    const started = performance.now();
    const result = await filterText(
      { column: 'name', operator: 'matches', value: '^(a+)+$' },
      hostile,
    );
    assert.ok(performance.now() - started < 1_000);
    assert.equal(result.rowsKept, 1);
    const folded = await filterText({
      column: 'city',
      operator: 'matches',
      value: '^h\\w+$',
      caseSensitive: false,
    });
    assert.equal(folded.rowsKept, 1);
    await assert.rejects(
      filterText({ column: 'name', operator: 'matches', value: 'A(?=da)' }),
      (error: { code: string; message: string }) => {
        assert.equal(error.code, 'UNSUPPORTED_REGEX');
        assert.match(error.message, /lookahead.*RE2 cannot run.*a\(\?=b\) becomes ab/);
        return true;
      },
    );
    const editing = await harness.nodeConfig(filterRows, {
      column: 'name',
      operator: 'matches',
      value: '(\\w)\\1',
    });
    assert.equal(editing.ready, false);
    assert.match(editing.message ?? '', /backreference/);
  });
});
