import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { createTestHarness } from '@plugboard/sdk/testing';
import plugin, { csvToJson, filterRows, jsonToCsv } from '../src/index.ts';

const harness = createTestHarness(plugin);

const addCsv = (content: string | Uint8Array, name = 'people.csv') =>
  harness.files.add(content, { name, contentType: 'text/csv' });

const people =
  'name,age,city\nAda,36,London\n"Grace, Rear Admiral",85,"New York"\n\nLinus,28,Helsinki\n';

describe('csv-to-json', () => {
  it('reads rows as objects keyed by the header', async () => {
    const result = await harness.execute(csvToJson, { file: addCsv(people) });
    assert.deepEqual(result, {
      rows: [
        { name: 'Ada', age: '36', city: 'London' },
        { name: 'Grace, Rear Admiral', age: '85', city: 'New York' },
        { name: 'Linus', age: '28', city: 'Helsinki' },
      ],
      columns: ['name', 'age', 'city'],
      rowCount: 3,
      truncated: false,
    });
  });

  it('reads arrays without a header, with another delimiter, trim, numbers and nulls', async () => {
    const file = addCsv('\uFEFFa ; 1.5;\nb;-2; x \n');
    const result = await harness.execute(
      csvToJson,
      { file },
      {
        config: {
          header: false,
          delimiter: ';',
          trim: true,
          castNumbers: true,
          emptyAsNull: true,
        },
      },
    );
    assert.deepEqual(result.rows, [
      ['a', 1.5, null],
      ['b', -2, 'x'],
    ]);
    assert.deepEqual(result.columns, []);
  });

  it('reads tab-separated latin1 files', async () => {
    const file = addCsv(Buffer.from('nom\tville\nJosé\tMálaga\n', 'latin1'), 'a.tsv');
    const result = await harness.execute(
      csvToJson,
      { file },
      { config: { delimiter: '\\t', encoding: 'latin1' } },
    );
    assert.deepEqual(result.rows, [{ nom: 'José', ville: 'Málaga' }]);
  });

  it('stops at maxRows and says so', async () => {
    const lines = ['n', ...Array.from({ length: 1000 }, (_, i) => String(i))].join('\n');
    const result = await harness.execute(
      csvToJson,
      { file: addCsv(lines) },
      { config: { maxRows: 10 } },
    );
    assert.equal(result.rowCount, 10);
    assert.equal(result.truncated, true);
    assert.deepEqual(result.rows.at(-1), { n: '9' });
    const exact = await harness.execute(
      csvToJson,
      { file: addCsv('n\n1\n2\n') },
      { config: { maxRows: 2 } },
    );
    assert.equal(exact.truncated, false);
  });

  it('reports malformed CSV with its line', async () => {
    await assert.rejects(
      harness.execute(csvToJson, { file: addCsv('a,b\n1,2\n3,4,5\n') }),
      (error: { code: string; message: string; details: Record<string, unknown> }) => {
        assert.equal(error.code, 'INVALID_CSV');
        assert.match(error.message, /^people\.csv is not valid CSV/);
        assert.equal(error.details['csvCode'], 'CSV_RECORD_INCONSISTENT_COLUMNS');
        assert.equal(error.details['line'], 3);
        return true;
      },
    );
    await assert.rejects(harness.execute(csvToJson, { file: addCsv('a,b\n"unclosed,1\n') }), {
      code: 'INVALID_CSV',
    });
    const relaxed = await harness.execute(
      csvToJson,
      { file: addCsv('a,b\n1,2\n3,4,5\n') },
      { config: { relaxColumnCount: true, header: false } },
    );
    assert.equal(relaxed.rowCount, 3);
  });

  it('refuses impossible settings and missing files', async () => {
    await assert.rejects(
      harness.execute(csvToJson, { file: addCsv(people) }, { config: { delimiter: '"' } }),
      { code: 'INVALID_CSV_OPTIONS' },
    );
    await assert.rejects(
      harness.execute(csvToJson, {
        file: { id: 'missing', name: 'x.csv', contentType: 'text/csv' },
      }),
      { code: 'FILE_NOT_FOUND' },
    );
  });
});

describe('json-to-csv', () => {
  it('writes object rows with every key as a column, quoting where needed', async () => {
    const { file, rowCount } = await harness.execute(jsonToCsv, {
      rows: [
        { name: 'Ada', tags: ['math', 'code'], active: true },
        { name: 'Grace, RA', note: 'said "hi"', active: false, extra: null },
      ],
    });
    assert.equal(rowCount, 2);
    assert.equal(file.name, 'data.csv');
    assert.equal(file.contentType, 'text/csv');
    assert.equal(
      harness.files.readText(file),
      [
        'name,tags,active,note,extra',
        'Ada,"[""math"",""code""]",true,,',
        '"Grace, RA",,false,"said ""hi""",',
        '',
      ].join('\n'),
    );
  });

  it('writes chosen columns, semicolons, CRLF, a BOM and escaped formulas', async () => {
    const { file } = await harness.execute(
      jsonToCsv,
      { rows: [{ a: 1, b: '=SUM(A1)', c: 'skip' }] },
      {
        config: {
          columns: ['b', 'a'],
          delimiter: ';',
          lineEnding: 'crlf',
          bom: true,
          escapeFormulas: true,
          fileName: 'report',
        },
      },
    );
    assert.equal(file.name, 'report.csv');
    const bytes = harness.files.read(file);
    assert.deepEqual([...bytes.subarray(0, 3)], [0xef, 0xbb, 0xbf]);
    assert.equal(Buffer.from(bytes.subarray(3)).toString(), "b;a\r\n'=SUM(A1);1\r\n");
  });

  it('writes array rows, with a header only when columns are given', async () => {
    const rows = [
      ['x', 1],
      ['y', null],
    ];
    const plain = await harness.execute(jsonToCsv, { rows });
    assert.equal(harness.files.readText(plain.file), 'x,1\ny,\n');
    const named = await harness.execute(
      jsonToCsv,
      { rows },
      { config: { columns: ['k', 'v'], quoteAll: true } },
    );
    assert.equal(harness.files.readText(named.file), '"k","v"\n"x","1"\n"y",\n');
  });

  it('round-trips through csv-to-json', async () => {
    const rows = [{ text: 'line\nbreak, "quoted"', n: '1' }];
    const { file } = await harness.execute(jsonToCsv, { rows });
    assert.deepEqual((await harness.execute(csvToJson, { file })).rows, rows);
  });

  it('refuses rows mixing objects and arrays', async () => {
    await assert.rejects(harness.execute(jsonToCsv, { rows: [{ a: 1 }, [1]] }), {
      code: 'MIXED_ROWS',
    });
  });
});

describe('filter-rows', () => {
  const cities =
    'name,age,city\nAda,36,London\nGrace,85,New York\nLinus,28,helsinki\nAnon,,London\n';

  const filterText = async (config: Record<string, unknown>, content = cities) => {
    const result = await harness.execute(filterRows, { file: addCsv(content) }, { config });
    return { ...result, text: harness.files.readText(result.file) };
  };

  it('keeps the header and the rows whose cell equals the value', async () => {
    const result = await filterText({ column: 'city', value: 'London' });
    assert.equal(result.text, 'name,age,city\nAda,36,London\nAnon,,London\n');
    assert.equal(result.rowsRead, 4);
    assert.equal(result.rowsKept, 2);
    assert.equal(result.file.name, 'people-filtered.csv');
  });

  it('supports text, pattern, emptiness and number operators', async () => {
    const kept = async (config: Record<string, unknown>) =>
      (await filterText(config)).text
        .split('\n')
        .slice(1, -1)
        .map((l) => l.split(',')[0]);
    assert.deepEqual(await kept({ column: 'city', operator: 'starts-with', value: 'H' }), []);
    assert.deepEqual(
      await kept({ column: 'city', operator: 'starts-with', value: 'H', caseSensitive: false }),
      ['Linus'],
    );
    assert.deepEqual(await kept({ column: 'city', operator: 'not-equals', value: 'London' }), [
      'Grace',
      'Linus',
    ]);
    assert.deepEqual(await kept({ column: 'city', operator: 'contains', value: 'on' }), [
      'Ada',
      'Anon',
    ]);
    assert.deepEqual(await kept({ column: 'name', operator: 'matches', value: '^A.a$' }), ['Ada']);
    assert.deepEqual(await kept({ column: 'age', operator: 'is-empty' }), ['Anon']);
    assert.deepEqual(await kept({ column: 'age', operator: 'greater-than', value: '30' }), [
      'Ada',
      'Grace',
    ]);
    assert.deepEqual(await kept({ column: 'age', operator: 'less-or-equal', value: '28' }), [
      'Linus',
    ]);
  });

  it('names columns by position without a header', async () => {
    const result = await filterText(
      { column: '2', operator: 'ends-with', value: 'x', header: false, delimiter: ';' },
      'a;x\nb;y\nc;xx\n',
    );
    assert.equal(result.text, 'a;x\nc;xx\n');
    assert.equal(result.rowsRead, 3);
  });

  it('explains an unknown column, a bad position, a bad pattern and a bad number', async () => {
    await assert.rejects(filterText({ column: 'town', value: 'x' }), (error: Error) => {
      assert.equal((error as unknown as { code: string }).code, 'COLUMN_NOT_FOUND');
      assert.match(error.message, /"name", "age", "city"/);
      return true;
    });
    await assert.rejects(filterText({ column: 'city', header: false }), {
      code: 'INVALID_COLUMN',
    });
    await assert.rejects(filterText({ column: 'name', operator: 'matches', value: '(' }), {
      code: 'INVALID_REGEX',
    });
    await assert.rejects(filterText({ column: 'age', operator: 'less-than', value: 'ten' }), {
      code: 'INVALID_VALUE',
    });
    await assert.rejects(filterText({ column: 'a' }, 'a,b\n"broken\n'), { code: 'INVALID_CSV' });
  });

  it('adapts its form to the operator and checks values while editing', async () => {
    const empty = await harness.nodeConfig(filterRows, { column: 'x', operator: 'is-empty' });
    assert.equal(empty.fields['value']?.hidden, true);
    assert.equal(empty.ready, true);
    const numeric = await harness.nodeConfig(filterRows, {
      column: 'x',
      operator: 'greater-than',
      value: 'abc',
    });
    assert.equal(numeric.fields['caseSensitive']?.hidden, true);
    assert.equal(numeric.ready, false);
    assert.match(numeric.message ?? '', /compares numbers/);
    const regex = await harness.nodeConfig(filterRows, { operator: 'matches', value: '[' });
    assert.equal(regex.ready, false);
    const position = await harness.nodeConfig(filterRows, { header: false, column: 'city' });
    assert.equal(position.ready, false);
    assert.match(position.fields['column']?.description ?? '', /position/);
  });

  it('streams a large file end to end with backpressure', async () => {
    // A separate harness whose file store generates the input lazily and consumes the output
    // slowly, measuring how far the reading runs ahead of the writing.
    const big = createTestHarness(plugin);
    const row = (i: number) =>
      `${String(i).padStart(8, '0')},${i % 2 === 0 ? 'even' : 'odd'},${'x'.repeat(40)}\n`;
    const rows = 200_000;
    const rowBytes = row(0).length;
    const encoder = new TextEncoder();
    let produced = 0;
    let next = 0;
    let consumed = 0;
    let maxAhead = 0;
    let uploaded = '';
    big.files.download = () => {
      const body = new ReadableStream<Uint8Array>(
        {
          pull(controller) {
            if (next === 0) {
              controller.enqueue(encoder.encode('id,parity,pad\n'));
            }
            if (next >= rows) {
              controller.close();
              return;
            }
            let chunk = '';
            for (let i = 0; i < 1000 && next < rows; i += 1, next += 1) {
              chunk += row(next);
            }
            produced += chunk.length;
            controller.enqueue(encoder.encode(chunk));
          },
        },
        { highWaterMark: 1 },
      );
      return Promise.resolve({ body });
    };
    big.files.upload = async (body, meta) => {
      for await (const chunk of body) {
        consumed += chunk.byteLength * 2; // only every other row is kept
        maxAhead = Math.max(maxAhead, produced - consumed);
        if (uploaded === '') {
          uploaded = new TextDecoder().decode(chunk.subarray(0, 40));
        }
        await new Promise((resolve) => setImmediate(resolve));
      }
      return { id: 'out', name: meta.name, contentType: meta.contentType, size: consumed / 2 };
    };
    const result = await big.execute(
      filterRows,
      { file: { id: 'in', name: 'big.csv', contentType: 'text/csv' } },
      { config: { column: 'parity', value: 'even' } },
    );
    assert.equal(result.rowsRead, rows);
    assert.equal(result.rowsKept, rows / 2);
    assert.ok(uploaded.startsWith('id,parity,pad\n00000000,even'));
    const total = rows * rowBytes;
    assert.ok(
      maxAhead < total / 10,
      `reading ran ${String(maxAhead)} bytes ahead of writing (file: ${String(total)} bytes)`,
    );
  });
});
