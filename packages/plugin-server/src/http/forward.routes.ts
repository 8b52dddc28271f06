/**
 * @module The forwarding routes: `/plugins/{id}/…` → the plugin process's own route. Bodies are
 * not parsed here; they stream through, capped in size.
 */
import type { Readable } from 'node:stream';
import { errors as undiciErrors } from 'undici';
import type { FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify';
import { z } from 'zod';
import type { ServerConfig } from '../config.ts';
import { ServerError } from '../errors.ts';
import { forward, type ForwardTarget } from '../forward/forwarder.ts';
import type { PluginManager } from '../plugins/plugin-manager.ts';
import { ByteLimit } from './byte-limit.ts';
import { takeRawBodies } from './raw-body.ts';

interface Params {
  id: string;
  name?: string;
}

const pluginParams = z.object({ id: z.string().describe('The plugin id.') });
const componentParams = pluginParams.extend({
  name: z.string().describe('The node or integration name, as the manifest declares it.'),
});

export const forwardRoutes: FastifyPluginAsync<{
  manager: PluginManager;
  config: ServerConfig;
}> = async (app, { manager, config }) => {
  takeRawBodies(app);

  const route = (
    path: string,
    summary: string,
    target: (params: Params) => ForwardTarget,
  ): void => {
    app.post<{ Params: Params }>(
      path,
      // Per-request info logs cost more than the hop itself (see bench/); failures still log.
      {
        schema: { summary, params: path.includes(':name') ? componentParams : pluginParams },
        logLevel: 'warn',
      },
      async (request, reply) => {
        await pipeThrough(request, reply, target(request.params));
      },
    );
  };

  const pipeThrough = async (
    request: FastifyRequest<{ Params: Params }>,
    reply: FastifyReply,
    target: ForwardTarget,
  ): Promise<void> => {
    const declared = request.headers['content-length'];
    if (declared !== undefined && Number(declared) > config.limits.maxBodyBytes) {
      throw new ServerError(
        'PSRV_PAYLOAD_TOO_LARGE',
        `the body is over ${String(config.limits.maxBodyBytes)} bytes; send large data as files`,
      );
    }
    const abort = new AbortController();
    reply.raw.once('close', () => {
      if (!reply.raw.writableFinished) {
        abort.abort();
      }
    });
    const timeoutHeader = request.headers['x-plugboard-timeout-ms'];
    const response = await forward(manager, config, {
      pluginId: request.params.id,
      target,
      body:
        request.body === undefined
          ? undefined
          : await bodyFor(request.body as Readable, declared, config.limits.maxBodyBytes),
      contentLength: declared,
      timeoutMs:
        typeof timeoutHeader === 'string' && /^\d{1,9}$/.test(timeoutHeader)
          ? Number(timeoutHeader)
          : undefined,
      signal: abort.signal,
    });
    void reply.code(response.statusCode);
    if (response.contentType !== undefined) {
      void reply.header('content-type', response.contentType);
    }
    if (response.retryAfter !== undefined) {
      void reply.header('retry-after', response.retryAfter);
    }
    if (response.contentLength !== undefined) {
      // Passed on so a small answer goes out in one piece instead of chunked.
      void reply.header('content-length', response.contentLength);
    }
    const length = Number(response.contentLength ?? Number.NaN);
    // A small answer of known size is read whole and written once; anything else streams.
    if (length > BUFFERED_BODY_BYTES || Number.isNaN(length)) {
      await reply.send(response.body);
      return;
    }
    let whole: Buffer;
    try {
      whole = Buffer.from(await response.body.arrayBuffer());
    } catch (error) {
      // The plugin died or stalled mid-answer: the same 502/504 as a failure before the answer.
      void reply.removeHeader('content-length');
      throw new ServerError(
        error instanceof undiciErrors.BodyTimeoutError
          ? 'PSRV_PLUGIN_TIMEOUT'
          : 'PSRV_PLUGIN_CRASHED',
        `plugin "${request.params.id}" failed while sending its answer (${(error as Error).message})`,
      );
    }
    await reply.send(whole);
  };

  route(
    '/plugins/:id/nodes/:name/execute',
    "Run a node of the plugin (forwarded to the plugin's POST /nodes/{name}/execute)",
    (p) => ({
      kind: 'node',
      name: p.name ?? '',
      action: 'execute',
    }),
  );
  route('/plugins/:id/nodes/:name/config', "A node's dynamic config (forwarded)", (p) => ({
    kind: 'node',
    name: p.name ?? '',
    action: 'config',
  }));
  route(
    '/plugins/:id/integrations/:name/config',
    "An integration's credential form (forwarded)",
    (p) => ({
      kind: 'integration',
      name: p.name ?? '',
      action: 'config',
    }),
  );
  route(
    '/plugins/:id/integrations/:name/ready',
    'Check integration credentials (forwarded)',
    (p) => ({
      kind: 'integration',
      name: p.name ?? '',
      action: 'ready',
    }),
  );
  route(
    '/plugins/:id/validate-config',
    "Check a plugin configuration (forwarded to the plugin's validateConfig)",
    () => ({ kind: 'validate-config' }),
  );
};

/** Bodies up to this size are read whole and sent in one write; larger ones stream. */
const BUFFERED_BODY_BYTES = 64 * 1024;

/**
 * Most calls carry a few hundred bytes of JSON: reading those whole is cheaper than a stream
 * through a Transform into undici. Large or unsized bodies stream, capped.
 */
async function bodyFor(
  body: Readable,
  declared: string | undefined,
  maxBytes: number,
): Promise<Readable | Buffer> {
  if (declared === undefined || Number(declared) > BUFFERED_BODY_BYTES) {
    return capped(body, maxBytes);
  }
  const chunks: Buffer[] = [];
  for await (const chunk of body as AsyncIterable<Buffer>) {
    chunks.push(chunk);
  }
  return Buffer.concat(chunks);
}

function capped(body: Readable, maxBytes: number): Readable {
  return body.pipe(new ByteLimit(maxBytes, 'the body'));
}
