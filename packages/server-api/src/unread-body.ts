/**
 * @module What a refused upload left unread, dealt with so its sender still gets the answer and
 * the connection stays usable: both services stop reading a body part-way (too large, disk full).
 */
import type { IncomingMessage } from 'node:http';

/**
 * After an upload is refused part-way, reads and drops the rest of its body: a client still
 * sending would otherwise stall, or see a reset instead of the answer. A sender that keeps going
 * past `maxBytes` more loses its connection; it has had time to read the answer by then.
 */
export function discardRest(request: IncomingMessage, maxBytes: number): void {
  if (request.complete || request.destroyed) {
    return;
  }
  let dropped = 0;
  request.on('data', (chunk: Buffer) => {
    dropped += chunk.length;
    if (dropped > maxBytes) {
      request.socket.destroy();
    }
  });
  request.resume();
}
