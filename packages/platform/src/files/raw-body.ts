/**
 * @module Raw request bodies for the file routes: the bytes reach the handler as the request
 * stream, whatever the content type (a JSON file is a file, not a JSON body), and what a refused
 * upload left unread is dealt with so its sender still gets the answer.
 */
import type { IncomingMessage } from 'node:http';
import type { FastifyInstance } from 'fastify';

/** Call inside an encapsulated plugin: only its routes stop parsing bodies. */
export function takeRawBodies(app: FastifyInstance): void {
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('*', (_request, payload, done) => {
    done(null, payload);
  });
}

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
