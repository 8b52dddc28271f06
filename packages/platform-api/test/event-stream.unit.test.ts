// The one event-stream reader of the platform's clients, on bodies cut at awkward places: ids,
// event names, multi-line data, comments, and every line ending the standard allows (a lone CR
// included, which a hand-written parser of the web UI used to miss).
import { describe, expect, it } from 'vitest';
import { readEventStream, type StreamEvent } from '../src/event-stream.ts';

async function collect(chunks: readonly string[]): Promise<StreamEvent[]> {
  const encoder = new TextEncoder();
  const body = new ReadableStream<Uint8Array>({
    start(controller) {
      for (const chunk of chunks) {
        controller.enqueue(encoder.encode(chunk));
      }
      controller.close();
    },
  });
  const events: StreamEvent[] = [];
  for await (const event of readEventStream(body)) {
    events.push(event);
  }
  return events;
}

describe('readEventStream', () => {
  it('reads id, event and data across chunk boundaries, comments skipped', async () => {
    expect(
      await collect([
        ': run events\n\n',
        'id: 1\nevent: node.started\nda',
        'ta: {"nodeId":"a"}\r',
        '\n\r\nid: 2\nevent: run.finished\ndata: {"x":\ndata: 1}\n\n',
      ]),
    ).toEqual([
      { id: '1', event: 'node.started', data: '{"nodeId":"a"}' },
      { id: '2', event: 'run.finished', data: '{"x":\n1}' },
    ]);
  });

  it('ends lines at a lone CR too, and names an unnamed event `message`', async () => {
    expect(await collect(['id: 7\rdata: a\r\r', 'data: b\n\n'])).toEqual([
      { id: '7', event: 'message', data: 'a' },
      { id: undefined, event: 'message', data: 'b' },
    ]);
  });

  it('drops an event the stream ends before its blank line, as the standard says', async () => {
    expect(await collect(['event: a\ndata: 1\n\nevent: b\ndata: 2'])).toEqual([
      { id: undefined, event: 'a', data: '1' },
    ]);
  });
});
