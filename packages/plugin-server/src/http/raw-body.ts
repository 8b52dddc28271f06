/**
 * @module Makes the routes of one (encapsulated) Fastify plugin receive the request body as the raw
 * stream, whatever its content type: forwarded, bridged and uploaded bodies are never parsed here.
 */
import type { FastifyInstance } from 'fastify';

export function takeRawBodies(app: FastifyInstance): void {
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('*', (_request, payload, done) => {
    done(null, payload);
  });
}
