/**
 * @module The file bridge: plugin processes read and write files here, never in platform storage.
 * `GET /bridge/files/{id}` and `POST /bridge/files` are relayed to the platform's
 * `/plugin-server/files/…` as streams (backpressure and the plugin's abort passed on), so memory
 * stays flat whatever the file size. Callers prove they are a running plugin with its launch token;
 * the per-call token they carry goes to the platform, which decides what that execution may reach.
 */
import { PassThrough, type Readable } from 'node:stream';
import { FILE_BRIDGE_HEADERS, fileRefSchema, type FileRef } from '@plugboard/protocol';
import { STREAMED_BYTES_BUFFER } from '@plugboard/server-api';
import type { FastifyPluginAsync, FastifyReply } from 'fastify';
import type { Dispatcher } from 'undici';
import { identifyCaller } from '../bridge/bridge-caller.ts';
import { createPlatformFiles } from '../bridge/platform-files.ts';
import type { ServerConfig } from '../config.ts';
import { ServerError } from '../errors.ts';
import type { PluginManager } from '../plugins/plugin-manager.ts';
import { takeRawBodies } from './raw-body.ts';

/** Headers of the platform's answer the plugin needs; hop-by-hop ones stay behind. */
const PASSED_BACK = [
  'content-type',
  'content-length',
  'content-encoding',
  'retry-after',
  FILE_BRIDGE_HEADERS.fileName,
] as const;
/** Sanity bounds that need no setting: ids are short, a file reference is a few hundred bytes. */
const MAX_ID_LENGTH = 1024;
const MAX_REFERENCE_BYTES = 64 * 1024;

const AUTH_NOTE =
  'For plugin processes: `Authorization: Bearer <launch token>` (not an API key) and `x-plugboard-call-token`.';

export const bridgeRoutes: FastifyPluginAsync<{
  manager: PluginManager;
  config: ServerConfig;
}> = async (app, { manager, config }) => {
  takeRawBodies(app);
  const platform = createPlatformFiles(config);
  app.addHook('onClose', () => platform.close());

  app.get<{ Params: { id: string } }>(
    '/bridge/files/:id',
    {
      // A HEAD would fetch the whole file from the platform only to throw the bytes away.
      exposeHeadRoute: false,
      schema: {
        summary: "Read a file (streamed from the platform's storage)",
        description: AUTH_NOTE,
        security: [],
      },
    },
    async (request, reply) => {
      const caller = identifyCaller(manager, request.headers);
      const { id } = request.params;
      if (id.length > MAX_ID_LENGTH) {
        throw new ServerError(
          'PSRV_BAD_REQUEST',
          `file ids are at most ${String(MAX_ID_LENGTH)} characters`,
        );
      }
      const answer = await platform.download(id, { caller, signal: abortedWith(reply) });
      await refuseUnexpected(answer);
      void reply.code(answer.statusCode);
      passBack(answer, reply);
      // Fastify pipes it with backpressure and destroys it (the platform call) if the plugin leaves.
      return reply.send(answer.body);
    },
  );

  app.post(
    '/bridge/files',
    {
      schema: {
        summary:
          "Store a file (the body, streamed to the platform's storage); answers its reference",
        description: `${AUTH_NOTE} Name the file in \`x-plugboard-file-name\` (percent-encoded).`,
        security: [],
      },
    },
    async (request, reply) => {
      const caller = identifyCaller(manager, request.headers);
      const fileName = request.headers[FILE_BRIDGE_HEADERS.fileName];
      const body = request.body as Readable | undefined;
      // undici destroys a body it gives up on (the platform answering early), detaching the socket
      // first, which would leave the plugin's half-sent request stuck on its connection. It gets a
      // relay instead, so what is left of the body can be drained as node:http does after an early
      // answer, and the plugin reads the answer rather than a broken pipe.
      const relay = body?.pipe(new PassThrough({ highWaterMark: STREAMED_BYTES_BUFFER })) ?? null;
      const drainRest = (): void => {
        if (body !== undefined && !request.raw.complete) {
          body.unpipe();
          body.resume();
        }
      };
      const answer = await platform
        .upload(
          {
            body: relay,
            contentType: request.headers['content-type'] ?? 'application/octet-stream',
            contentLength: request.headers['content-length'],
            fileName: typeof fileName === 'string' ? fileName : undefined,
          },
          { caller, signal: abortedWith(reply) },
        )
        .catch((error: unknown) => {
          drainRest();
          throw error;
        });
      drainRest();
      await refuseUnexpected(answer);
      if (answer.statusCode >= 400) {
        void reply.code(answer.statusCode);
        passBack(answer, reply);
        return reply.send(answer.body);
      }
      return reply.code(answer.statusCode).send(await readReference(answer));
    },
  );
};

/** A signal that fires when the plugin disconnects before its answer is complete. */
function abortedWith(reply: FastifyReply): AbortSignal {
  const abort = new AbortController();
  reply.raw.once('close', () => {
    if (!reply.raw.writableFinished) {
      abort.abort();
    }
  });
  return abort.signal;
}

function passBack(answer: Dispatcher.ResponseData, reply: FastifyReply): void {
  for (const name of PASSED_BACK) {
    const value = answer.headers[name];
    if (typeof value === 'string') {
      void reply.header(name, value);
    }
  }
}

/**
 * 2xx and the platform's own errors (≥ 400, passed through as they are) are expected; a redirect
 * is not followed, since it could point the plugin straight at storage it must not touch.
 */
async function refuseUnexpected(answer: Dispatcher.ResponseData): Promise<void> {
  if (answer.statusCode >= 400 || (answer.statusCode >= 200 && answer.statusCode < 300)) {
    return;
  }
  await answer.body.dump().catch(() => undefined);
  throw new ServerError(
    'PSRV_SOURCE_FAILED',
    `the platform answered the file bridge with an unexpected ${String(answer.statusCode)}`,
  );
}

/** The platform's answer to an upload, read with a cap, checked to be a file reference. */
async function readReference(answer: Dispatcher.ResponseData): Promise<FileRef> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of answer.body as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > MAX_REFERENCE_BYTES) {
      answer.body.destroy();
      break;
    }
    chunks.push(chunk);
  }
  let parsed: unknown;
  try {
    parsed =
      size > MAX_REFERENCE_BYTES ? undefined : JSON.parse(Buffer.concat(chunks).toString('utf8'));
  } catch {
    parsed = undefined;
  }
  const ref = fileRefSchema.safeParse(parsed);
  if (!ref.success) {
    throw new ServerError(
      'PSRV_SOURCE_FAILED',
      'the platform answered an upload with something other than a file reference',
    );
  }
  return ref.data;
}
