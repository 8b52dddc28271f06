/**
 * @module `/api/files`: users store files (the raw body, streamed to disk) to give to workflow
 * runs or install plugins from, read them back, and look up their metadata.
 */
import { errorEnvelopeSchema, FILE_BRIDGE_HEADERS } from '@plugboard/protocol';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { apiSchema, errorAnswers } from '../http/api-schema.ts';
import { z } from 'zod';
import { PlatformError } from '../errors.ts';
import { attachmentDisposition, contentTypeFrom, fileNameFrom } from './file-names.ts';
import type { FileStore } from './file-store.ts';
import { toFileRef } from './file-store.ts';
import { API_ROUTES as at } from '@plugboard/platform-api';
import { toFileMeta } from './file-views.ts';
import { takeRawBodies } from './raw-body.ts';
import { receiveUpload } from './upload.ts';

/** Streams are sent as they are (Fastify never serializes them); this documents the answer. */
const fileBytes = z.any().describe("The file's bytes, with its type as content-type.");
const errors = errorAnswers(400, 401, 404);

export const filesRoutes: FastifyPluginAsyncZod<{ files: FileStore }> = async (app, { files }) => {
  takeRawBodies(app);

  app.post(at.uploadFile.path, {
    schema: apiSchema(
      'uploadFile',
      { ...errors, 413: errorEnvelopeSchema },
      {
        description: `Name it in \`${FILE_BRIDGE_HEADERS.fileName}\` (percent-encoded) or \`?name=\`; its type is the request's content-type.`,
      },
    ),
    handler: async (request, reply) => {
      const file = await receiveUpload(
        files,
        { request, reply },
        {
          name: fileNameFrom(request.headers[FILE_BRIDGE_HEADERS.fileName], request.query.name),
          contentType: contentTypeFrom(request.headers['content-type']),
          createdBy: 'user',
        },
      );
      return reply.code(201).send(toFileRef(file));
    },
  });

  app.get(at.downloadFile.path, {
    // A HEAD would open the file only to throw its bytes away.
    exposeHeadRoute: false,
    schema: apiSchema('downloadFile', { 200: fileBytes, ...errors }),
    handler: async (request, reply) => {
      const { meta, stream } = await files.open(request.params.id);
      return reply
        .type(meta.contentType)
        .header('content-length', String(meta.size))
        .header('content-disposition', attachmentDisposition(meta.name))
        .header('x-content-type-options', 'nosniff')
        .send(stream);
    },
  });

  app.get(at.fileMeta.path, {
    schema: apiSchema('fileMeta', errors),
    handler: async (request) => {
      const file = await files.get(request.params.id);
      if (file === undefined) {
        throw new PlatformError('PLAT_FILE_NOT_FOUND', `no file ${request.params.id}`);
      }
      return toFileMeta(file);
    },
  });
};
