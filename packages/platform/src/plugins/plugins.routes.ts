/**
 * @module `/api/plugins`: install from any source, list and inspect, uninstall, restart, update,
 * configure, read the log, and ask a plugin node for its dynamic config options.
 */
import { errorEnvelopeSchema, nodeConfigResponseSchema } from '@plugboard/protocol';
import { pluginGrantSchema, pluginSourceSchema } from '@plugboard/server-api';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { PlatformError } from '../errors.ts';
import { idempotencyHeaders } from '../http/idempotency.ts';
import type { PluginServerClient } from '../plugin-server/plugin-server-client.ts';
import { pluginRecordViewSchema } from '@plugboard/platform-api';
import type { PluginService } from './plugin-service.ts';

const idParams = z.object({ id: z.string().min(1).max(128) });
const errors = {
  400: errorEnvelopeSchema,
  401: errorEnvelopeSchema,
  404: errorEnvelopeSchema,
  409: errorEnvelopeSchema,
  422: errorEnvelopeSchema,
  502: errorEnvelopeSchema,
};
const configObject = z.record(z.string(), z.unknown());

export const pluginsRoutes: FastifyPluginAsyncZod<{
  plugins: PluginService;
  pluginServer: PluginServerClient;
}> = async (app, { plugins, pluginServer }) => {
  app.get('/api/plugins', {
    schema: {
      summary: 'Every plugin record with its status',
      response: { 200: z.object({ plugins: z.array(pluginRecordViewSchema) }), ...errors },
    },
    handler: async () => ({ plugins: await plugins.list() }),
  });

  app.post('/api/plugins', {
    config: { idempotent: true },
    schema: {
      summary:
        'Install a plugin from git, an uploaded .tar.gz (upload it to /api/files first), the marketplace or a local folder (dev mode); the record starts `installing` and webhooks move it on. With an Idempotency-Key header, a repeat gets the first answer and installs nothing',
      headers: idempotencyHeaders,
      body: z.object({
        id: z
          .string()
          .min(1)
          .max(128)
          .optional()
          .describe(
            "The plugin's id (as in its manifest); marketplace installs default to the name.",
          ),
        source: pluginSourceSchema,
        version: z.string().min(1).max(64).optional(),
        config: configObject.optional(),
        grant: pluginGrantSchema
          .optional()
          .describe(
            'What the operator grants it (network, child processes); it starts only once everything it asks for is granted.',
          ),
      }),
      response: { 202: pluginRecordViewSchema, ...errors },
    },
    handler: async (request, reply) =>
      reply.code(202).send(await plugins.view(await plugins.install(request.body))),
  });

  app.get('/api/plugins/:id', {
    schema: {
      summary:
        'One plugin record: status and why, source, config (secrets masked), nodes, manifest',
      params: idParams,
      response: { 200: pluginRecordViewSchema, ...errors },
    },
    handler: async (request) => plugins.view(await plugins.get(request.params.id)),
  });

  app.post('/api/plugins/:id/uninstall', {
    schema: {
      summary: 'Uninstall: the nodes leave the registry at once; the record ends `uninstalled`',
      params: idParams,
      response: { 202: pluginRecordViewSchema, ...errors },
    },
    handler: async (request, reply) =>
      reply.code(202).send(await plugins.view(await plugins.uninstall(request.params.id))),
  });

  app.post('/api/plugins/:id/restart', {
    schema: {
      summary: 'Restart the plugin process',
      params: idParams,
      response: { 202: pluginRecordViewSchema, ...errors },
    },
    handler: async (request, reply) =>
      reply.code(202).send(await plugins.view(await plugins.restart(request.params.id))),
  });

  app.post('/api/plugins/:id/update', {
    schema: {
      summary:
        'Update to another version or source; the running version serves until the new one runs',
      params: idParams,
      body: z.object({
        source: pluginSourceSchema.optional(),
        version: z.string().min(1).max(64).optional(),
      }),
      response: { 202: pluginRecordViewSchema, ...errors },
    },
    handler: async (request, reply) =>
      reply
        .code(202)
        .send(await plugins.view(await plugins.update(request.params.id, request.body))),
  });

  app.put('/api/plugins/:id/config', {
    schema: {
      summary:
        'Set the plugin configuration, checked against its config schema (secret fields are stored encrypted; send a masked value back to keep it)',
      params: idParams,
      body: z.object({ config: configObject }),
      response: { 200: pluginRecordViewSchema, ...errors },
    },
    handler: async (request) =>
      plugins.view(await plugins.configure(request.params.id, request.body.config)),
  });

  app.put('/api/plugins/:id/grant', {
    schema: {
      summary:
        'Set what the operator grants the plugin (network access, child processes): an install or start that waited for it goes on; a process asking for more than the new grant is stopped',
      params: idParams,
      body: z.object({ grant: pluginGrantSchema }),
      response: { 200: pluginRecordViewSchema, ...errors },
    },
    handler: async (request) =>
      plugins.view(await plugins.grant(request.params.id, request.body.grant)),
  });

  app.get('/api/plugins/:id/logs', {
    schema: {
      summary: "The plugin's last log lines (text/plain), from the Plugin Server",
      params: idParams,
      querystring: z.strictObject({
        tail: z.coerce.number().int().min(0).max(10_000).default(200),
      }),
    },
    handler: async (request, reply) => {
      await plugins.get(request.params.id);
      const text = await pluginServer.logs(request.params.id, request.query.tail);
      return reply.type('text/plain; charset=utf-8').send(text);
    },
  });

  app.post('/api/plugins/:id/nodes/:node/config', {
    schema: {
      summary: "A plugin node's config options for the editor (its dynamic-config hook)",
      params: idParams.extend({ node: z.string().min(1).max(128) }),
      body: z.object({ config: configObject.default({}) }),
      response: { 200: nodeConfigResponseSchema, ...errors },
    },
    handler: async (request) => {
      const { id, node } = request.params;
      const record = await plugins.get(id);
      if (record.manifest?.nodes.some((n) => n.name === node) !== true) {
        throw new PlatformError(
          'PLAT_NOT_FOUND',
          `plugin "${id}" has no node "${node}"${record.manifest === undefined ? ' (it is not running yet)' : ''}`,
        );
      }
      const answer = await pluginServer.pluginCall(id, `nodes/${encodeURIComponent(node)}/config`, {
        config: request.body.config,
        context: { credentials: {} },
      });
      if (!answer.ok) {
        throw new PlatformError(
          'PLAT_NODE_FAILED',
          `plugin "${id}" could not compute the config of "${node}": ${answer.failure.message}`,
          { details: { plugin: answer.failure } },
        );
      }
      const parsed = nodeConfigResponseSchema.safeParse(answer.body);
      if (!parsed.success) {
        throw new PlatformError(
          'PLAT_NODE_FAILED',
          `plugin "${id}" answered the config of "${node}" in a shape the editor cannot use: ${parsed.error.issues[0]?.message ?? ''}`,
        );
      }
      return parsed.data;
    },
  });
};
