// The operator CLI's text helpers, in-process.
import { describe, expect, it } from 'vitest';
import { formatTable, formatValue, parsePair, truncate } from '../../src/operator/format.ts';

describe('formatTable', () => {
  it('aligns columns under their headers, right-aligns numbers, cuts long cells, no trailing spaces', () => {
    const table = formatTable(
      [{ header: 'ID' }, { header: 'N', align: 'right' }, { header: 'WHY', max: 8 }],
      [
        ['a', '1', ''],
        ['longer-id', '120', 'a very long\nreason'],
      ],
    );
    expect(table).toBe(
      ['ID           N  WHY', 'a            1', 'longer-id  120  a very …'].join('\n'),
    );
  });

  it('truncates to the limit with an ellipsis', () => {
    expect(truncate('abcdef', 4)).toBe('abc…');
    expect(truncate('abc', 4)).toBe('abc');
  });
});

describe('values and pairs', () => {
  it('shows text as is, files by name, id and size, the rest as JSON', () => {
    expect(formatValue('hi')).toBe('hi');
    expect(formatValue({ id: 'f1', name: 'a.txt', contentType: 'text/plain', size: 5 })).toBe(
      'a.txt (f1, 5 bytes)',
    );
    expect(formatValue({ a: [1, null] })).toBe('{"a":[1,null]}');
  });

  it('parses key=value as JSON when it parses, else text, unless the key takes text', () => {
    expect(parsePair('n=42', 'x')).toEqual(['n', 42]);
    expect(parsePair('o={"a":1}', 'x')).toEqual(['o', { a: 1 }]);
    expect(parsePair('s=hello=world', 'x')).toEqual(['s', 'hello=world']);
    expect(parsePair('z=01234', 'x', () => true)).toEqual(['z', '01234']);
    expect(parsePair('empty=', 'x')).toEqual(['empty', '']);
    expect(() => parsePair('=1', '--input')).toThrow('--input "=1" is not key=value');
    expect(() => parsePair('novalue', '--input')).toThrow('is not key=value');
  });
});
