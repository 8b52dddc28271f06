/**
 * @module Raw request bodies for the file routes: the bytes reach the handler as the request
 * stream, whatever the content type (a JSON file is a file, not a JSON body).
 */
import type { FastifyInstance } from 'fastify';

/** Call inside an encapsulated plugin: only its routes stop parsing bodies. */
export function takeRawBodies(app: FastifyInstance): void {
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('*', (_request, payload, done) => {
    done(null, payload);
  });
}
