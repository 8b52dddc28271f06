/**
 * @module `/api/plugins`: install from any source, list and inspect, uninstall, restart, update,
 * configure, read the log, and ask a plugin node for its dynamic config options.
 */
import { errorEnvelopeSchema, nodeConfigResponseSchema } from '@plugboard/protocol';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { PlatformError } from '../errors.ts';
import { idempotencyHeaders } from '../http/idempotency.ts';
import type { PluginServerClient } from '../plugin-server/plugin-server-client.ts';
import { API_ROUTES as at, API_SCHEMAS as api } from '@plugboard/platform-api';
import type { PluginService } from './plugin-service.ts';

const errors = {
  400: errorEnvelopeSchema,
  401: errorEnvelopeSchema,
  404: errorEnvelopeSchema,
  409: errorEnvelopeSchema,
  422: errorEnvelopeSchema,
  502: errorEnvelopeSchema,
};

export const pluginsRoutes: FastifyPluginAsyncZod<{
  plugins: PluginService;
  pluginServer: PluginServerClient;
}> = async (app, { plugins, pluginServer }) => {
  app.get(at.listPlugins.path, {
    schema: {
      summary: api.listPlugins.summary,
      response: { 200: api.listPlugins.response, ...errors },
    },
    handler: async () => ({ plugins: await plugins.list() }),
  });

  app.post(at.installPlugin.path, {
    config: { idempotent: true },
    schema: {
      summary: api.installPlugin.summary,
      headers: idempotencyHeaders,
      body: api.installPlugin.body,
      response: { 202: api.installPlugin.response, ...errors },
    },
    handler: async (request, reply) =>
      reply.code(202).send(await plugins.view(await plugins.install(request.body))),
  });

  app.get(at.getPlugin.path, {
    schema: {
      summary: api.getPlugin.summary,
      params: api.getPlugin.params,
      response: { 200: api.getPlugin.response, ...errors },
    },
    handler: async (request) => plugins.view(await plugins.get(request.params.id)),
  });

  app.post(at.uninstallPlugin.path, {
    schema: {
      summary: api.uninstallPlugin.summary,
      params: api.uninstallPlugin.params,
      response: { 202: api.uninstallPlugin.response, ...errors },
    },
    handler: async (request, reply) =>
      reply.code(202).send(await plugins.view(await plugins.uninstall(request.params.id))),
  });

  app.post(at.restartPlugin.path, {
    schema: {
      summary: api.restartPlugin.summary,
      params: api.restartPlugin.params,
      response: { 202: api.restartPlugin.response, ...errors },
    },
    handler: async (request, reply) =>
      reply.code(202).send(await plugins.view(await plugins.restart(request.params.id))),
  });

  app.post(at.updatePlugin.path, {
    schema: {
      summary: api.updatePlugin.summary,
      params: api.updatePlugin.params,
      body: api.updatePlugin.body,
      response: { 202: api.updatePlugin.response, ...errors },
    },
    handler: async (request, reply) =>
      reply
        .code(202)
        .send(await plugins.view(await plugins.update(request.params.id, request.body))),
  });

  app.put(at.configurePlugin.path, {
    schema: {
      summary: api.configurePlugin.summary,
      params: api.configurePlugin.params,
      body: api.configurePlugin.body,
      response: { 200: api.configurePlugin.response, ...errors },
    },
    handler: async (request) =>
      plugins.view(await plugins.configure(request.params.id, request.body.config)),
  });

  app.put(at.grantPlugin.path, {
    schema: {
      summary: api.grantPlugin.summary,
      params: api.grantPlugin.params,
      body: api.grantPlugin.body,
      response: { 200: api.grantPlugin.response, ...errors },
    },
    handler: async (request) =>
      plugins.view(await plugins.grant(request.params.id, request.body.grant)),
  });

  app.get(at.pluginLogs.path, {
    schema: {
      summary: api.pluginLogs.summary,
      params: api.pluginLogs.params,
      querystring: api.pluginLogs.query,
    },
    handler: async (request, reply) => {
      await plugins.get(request.params.id);
      const text = await pluginServer.logs(request.params.id, request.query.tail);
      return reply.type('text/plain; charset=utf-8').send(text);
    },
  });

  app.post(at.nodeConfigOptions.path, {
    schema: {
      summary: api.nodeConfigOptions.summary,
      params: api.nodeConfigOptions.params,
      body: api.nodeConfigOptions.body,
      response: { 200: api.nodeConfigOptions.response, ...errors },
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
