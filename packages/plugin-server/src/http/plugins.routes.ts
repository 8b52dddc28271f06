/**
 * @module Install, uninstall, restart and observe plugins.
 */
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { errorEnvelopeSchema } from '@plugboard/protocol';
import type { ServerConfig } from '../config.ts';
import { ServerError } from '../errors.ts';
import { admitSource } from '../sources/source-admission.ts';
import type { PluginManager } from '../plugins/plugin-manager.ts';
import {
  pluginDetailSchema,
  pluginGrantSchema,
  pluginSourceSchema,
  pluginViewSchema,
} from '@plugboard/server-api';

const idParams = z.object({ id: z.string().min(1).max(128) });
const errors = { 400: errorEnvelopeSchema, 401: errorEnvelopeSchema, 404: errorEnvelopeSchema };

export const pluginsRoutes: FastifyPluginAsyncZod<{
  manager: PluginManager;
  config: ServerConfig;
}> = async (app, { manager, config }) => {
  app.get('/plugins', {
    schema: {
      summary: 'Every plugin on this server with its status',
      response: { 200: z.object({ plugins: z.array(pluginViewSchema) }), ...errors },
    },
    handler: () => ({ plugins: manager.list().map((p) => p.view()) }),
  });

  app.get('/plugins/:id', {
    schema: {
      summary: 'One plugin: status, version, source, pid, port, restarts, last error, manifest',
      params: idParams,
      response: { 200: pluginDetailSchema, ...errors },
    },
    handler: (request) => found(manager, request.params.id).detail(),
  });

  app.post('/plugins/:id/install', {
    schema: {
      summary:
        'Install a version from a source beside the installed ones, and make it current (or stage it); answers at once, the status follows',
      params: idParams,
      body: z.object({
        version: z.string().min(1).max(64).optional(),
        source: pluginSourceSchema,
        config: z.record(z.string(), z.unknown()).optional(),
        grant: pluginGrantSchema.optional(),
        activate: z
          .boolean()
          .default(true)
          .describe(
            'Make it current once it runs (the current version stays installed beside it); false installs it beside the current one, staged.',
          ),
      }),
      response: { 202: pluginViewSchema, ...errors },
    },
    handler: async (request, reply) => {
      // A source this server will never take is refused now, before anything is recorded.
      admitSource(request.body.source, config);
      const plugin = manager.install(request.params.id, request.body);
      return reply.code(202).send(plugin.view());
    },
  });

  app.post('/plugins/:id/uninstall', {
    schema: {
      summary: 'Stop and remove a plugin; removing one that is not here succeeds too',
      params: idParams,
      response: {
        202: z.object({ id: z.string(), status: z.enum(['uninstalling', 'uninstalled']) }),
        ...errors,
      },
    },
    handler: async (request, reply) => {
      const plugin = manager.uninstall(request.params.id);
      return reply.code(202).send({
        id: request.params.id,
        status: plugin === undefined ? 'uninstalled' : 'uninstalling',
      });
    },
  });

  app.post('/plugins/:id/config', {
    schema: {
      summary:
        "Set the plugin's configuration; it is checked by the plugin (running ⇄ missing_config)",
      params: idParams,
      body: z.object({ config: z.record(z.string(), z.unknown()) }),
      response: { 202: pluginViewSchema, ...errors },
    },
    handler: async (request, reply) =>
      reply.code(202).send(manager.configure(request.params.id, request.body.config).view()),
  });

  app.post('/plugins/:id/grant', {
    schema: {
      summary:
        "Set what the platform's operator grants the plugin (network, child processes); what waited for it starts, a process asking for more than the new grant stops",
      params: idParams,
      body: z.object({ grant: pluginGrantSchema }),
      response: { 202: pluginViewSchema, ...errors },
    },
    handler: async (request, reply) =>
      reply.code(202).send(manager.grant(request.params.id, request.body.grant).view()),
  });

  app.post('/plugins/:id/restart', {
    schema: {
      summary: 'Restart the plugin process',
      params: idParams,
      response: { 202: pluginViewSchema, ...errors },
    },
    handler: async (request, reply) =>
      reply.code(202).send(manager.restart(request.params.id).view()),
  });

  app.post('/plugins/:id/activate', {
    schema: {
      summary:
        'Make an installed version current; the current one serves until it runs, and stays installed for the workflows pinned to it',
      params: idParams,
      body: z.object({ version: z.string().min(1).max(64) }),
      response: { 202: pluginViewSchema, 409: errorEnvelopeSchema, ...errors },
    },
    handler: async (request, reply) =>
      reply.code(202).send(manager.activate(request.params.id, request.body.version).view()),
  });

  app.post('/plugins/:id/rollback', {
    schema: {
      summary:
        'Make the previous installed version (or `to`) current at once; the versions above it are marked rolled back',
      params: idParams,
      body: z.object({ to: z.string().min(1).max(64).optional() }).default({}),
      response: { 202: pluginViewSchema, 409: errorEnvelopeSchema, ...errors },
    },
    handler: async (request, reply) =>
      reply.code(202).send(manager.rollback(request.params.id, request.body.to).view()),
  });

  app.get('/plugins/:id/logs', {
    schema: {
      summary:
        "The plugin's log: the last lines, and with follow=true new lines as they come (text/plain)",
      params: idParams,
      querystring: z.strictObject({
        tail: z.coerce.number().int().min(0).max(10_000).default(100),
        follow: z.enum(['true', 'false']).default('false'),
      }),
    },
    handler: async (request, reply) => {
      const plugin = found(manager, request.params.id);
      const lines = await plugin.log.tail(request.query.tail);
      if (request.query.follow === 'false') {
        return reply.type('text/plain; charset=utf-8').send(lines.map((l) => `${l}\n`).join(''));
      }
      reply.raw.writeHead(200, {
        'content-type': 'text/plain; charset=utf-8',
        'cache-control': 'no-cache',
      });
      reply.raw.write(lines.map((l) => `${l}\n`).join(''));
      const onLine = (line: string): void => {
        reply.raw.write(`${line}\n`);
      };
      plugin.log.on('line', onLine);
      request.raw.once('close', () => plugin.log.off('line', onLine));
      return reply.hijack();
    },
  });
};

function found(manager: PluginManager, id: string) {
  const plugin = manager.get(id);
  if (plugin === undefined) {
    throw new ServerError(
      'PSRV_PLUGIN_NOT_FOUND',
      `no plugin "${id.slice(0, 80)}" is on this server`,
      {
        details: { available: manager.list().map((p) => p.id) },
      },
    );
  }
  return plugin;
}
