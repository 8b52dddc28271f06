// The operator CLI's text helpers and event-stream parser, in-process.
import { describe, expect, it } from 'vitest';
import { parseEventStream, type ServerSentEvent } from '../../src/operator/api-client.ts';
import { formatTable, formatValue, parsePair, truncate } from '../../src/operator/format.ts';

const collect = async (chunks: string[]): Promise<ServerSentEvent[]> => {
  const encoder = new TextEncoder();
  async function* body() {
    for (const chunk of chunks) {
      yield await Promise.resolve(encoder.encode(chunk));
    }
  }
  const events: ServerSentEvent[] = [];
  for await (const event of parseEventStream(body())) {
    events.push(event);
  }
  return events;
};

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

describe('parseEventStream', () => {
  it('reads id, event and data across chunk boundaries, CRLF and comments included', async () => {
    const events = await collect([
      ': run events\n\n',
      'id: 1\nevent: node.started\nda',
      'ta: {"nodeId":"a"}\r',
      '\n\r\nid: 2\nevent: run.finished\ndata: {"x":\ndata: 1}\n\n',
    ]);
    expect(events).toEqual([
      { id: '1', type: 'node.started', data: '{"nodeId":"a"}' },
      { id: '2', type: 'run.finished', data: '{"x":\n1}' },
    ]);
  });

  it('dispatches a last event the stream ends without a blank line after', async () => {
    expect(await collect(['event: a\ndata: 1'])).toEqual([{ id: undefined, type: 'a', data: '1' }]);
  });
});
