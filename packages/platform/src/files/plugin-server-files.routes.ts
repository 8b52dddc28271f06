/**
 * @module The file bridge's platform end: a Plugin Server reads and stores files for a plugin in
 * the middle of a node execution. Its key is checked by the app; here the per-call token must be
 * live and the plugin's own, and it opens only the files of its run.
 *
 * A file the run may not read answers 404, the same as one that does not exist: a token of one
 * run must not learn which file ids exist in another.
 */
import { errorEnvelopeSchema, FILE_BRIDGE_HEADERS, fileRefSchema } from '@plugboard/protocol';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { errorAnswers } from '../http/api-schema.ts';
import { z } from 'zod';
import type { Database } from '../db/database.ts';
import { PlatformError } from '../errors.ts';
import type { CallTokens } from '../runs/call-tokens.ts';
import { contentTypeFrom, fileNameFrom } from './file-names.ts';
import { toFileRef, type FileStore } from './file-store.ts';
import { takeRawBodies } from './raw-body.ts';
import { isPluginPackage, runMayRead } from './run-file-access.ts';
import { receiveUpload } from './upload.ts';

/** Names the calling plugin; the Plugin Server sets it from the connection, not the plugin. */
const PLUGIN_ID_HEADER = 'x-plugboard-plugin-id';

// Loose: the route still needs the other headers (content-type, content-length, the name).
const callHeaders = z.looseObject({
  [FILE_BRIDGE_HEADERS.callToken]: z.string().max(256).optional(),
  [PLUGIN_ID_HEADER]: z.string().max(128).optional(),
});
/** Streams are sent as they are (Fastify never serializes them); this documents the answer. */
const fileBytes = z.any().describe("The file's bytes, with its type as content-type.");
const errors = errorAnswers(400, 401, 404);
const security = [{ pluginServerKey: [] }];

export const pluginServerFilesRoutes: FastifyPluginAsyncZod<{
  db: Database;
  files: FileStore;
  callTokens: CallTokens;
}> = async (app, { db, files, callTokens }) => {
  takeRawBodies(app);

  app.get('/plugin-server/files/:id', {
    exposeHeadRoute: false,
    schema: {
      summary:
        "A file's bytes: for a node execution (file bridge) only the files of the call token's run; without a token only a package a plugin is being installed from",
      security,
      headers: callHeaders,
      params: z.object({ id: z.string().min(1).max(128) }),
      response: { 200: fileBytes, ...errors },
    },
    handler: async (request, reply) => {
      const { id } = request.params;
      const token = request.headers[FILE_BRIDGE_HEADERS.callToken];
      if (token === undefined && (await isPluginPackage(db, id))) {
        // An upload source: the Plugin Server installs from it; no run is involved.
      } else {
        const { runId } = await callTokens.resolve(token, request.headers[PLUGIN_ID_HEADER]);
        if (!(await runMayRead(db, runId, id))) {
          throw new PlatformError('PLAT_FILE_NOT_FOUND', `this run has no file ${id}`);
        }
      }
      const { meta, stream } = await files.open(id);
      return reply
        .type(meta.contentType)
        .header('content-length', String(meta.size))
        .header(FILE_BRIDGE_HEADERS.fileName, encodeURIComponent(meta.name))
        .send(stream);
    },
  });

  app.post('/plugin-server/files/upload', {
    schema: {
      summary:
        "Store a file a node made (the raw body, streamed); it belongs to the token's run. Answers its reference",
      description: `Name it in \`${FILE_BRIDGE_HEADERS.fileName}\` (percent-encoded).`,
      security,
      headers: callHeaders,
      response: { 201: fileRefSchema, ...errors, 413: errorEnvelopeSchema },
    },
    handler: async (request, reply) => {
      const pluginId = request.headers[PLUGIN_ID_HEADER];
      const { runId } = await callTokens.resolve(
        request.headers[FILE_BRIDGE_HEADERS.callToken],
        pluginId,
      );
      const file = await receiveUpload(
        files,
        { request, reply },
        {
          name: fileNameFrom(request.headers[FILE_BRIDGE_HEADERS.fileName], undefined),
          contentType: contentTypeFrom(request.headers['content-type']),
          createdBy: `plugin:${pluginId ?? ''}`,
          runId,
        },
      );
      return reply.code(201).send(toFileRef(file));
    },
  });
};
