/**
 * @module The one reader of the platform's event streams (a run's progress, plugin statuses),
 * for every client: a fetch response body parsed by the HTML standard's rules (`eventsource-parser`,
 * made for it: any line ending, ids, comments, events split across chunks). EventSource itself
 * cannot send a bearer token, so clients fetch and read the body.
 */
import { EventSourceParserStream } from 'eventsource-parser/stream';

export interface StreamEvent {
  readonly id: string | undefined;
  /** `message` when the server named none. */
  readonly event: string;
  readonly data: string;
}

/** The events of one response body, as they arrive; ends when the server ends the stream. */
export async function* readEventStream(
  body: ReadableStream<Uint8Array>,
): AsyncGenerator<StreamEvent> {
  // Bytes in, text out: the DOM and Node typings of TextDecoderStream disagree on its input type.
  const decoder = new TextDecoderStream() as unknown as TransformStream<Uint8Array, string>;
  const reader = body.pipeThrough(decoder).pipeThrough(new EventSourceParserStream()).getReader();
  try {
    for (;;) {
      const { value, done } = await reader.read();
      if (done) {
        return;
      }
      yield { id: value.id, event: value.event ?? 'message', data: value.data };
    }
  } finally {
    // A consumer that stops early (after run.finished) closes the response, not just the lock.
    await reader.cancel().catch(() => undefined);
    reader.releaseLock();
  }
}
