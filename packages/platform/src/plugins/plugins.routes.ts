/**
 * @module `/api/plugins`: install from any source, list and inspect, uninstall, restart, update,
 * configure, read the log, and ask a plugin node for its dynamic config options.
 */
import { nodeConfigResponseSchema } from '@plugboard/protocol';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { apiSchema, errorAnswers } from '../http/api-schema.ts';
import { PlatformError } from '../errors.ts';

import { idempotencyHeaders } from '../http/idempotency.ts';
import type { PluginServerClient } from '../plugin-server/plugin-server-client.ts';
import { API_ROUTES as at } from '@plugboard/platform-api';
import type { PluginService } from './plugin-service.ts';

const errors = errorAnswers(400, 401, 404, 409, 422, 502);

export const pluginsRoutes: FastifyPluginAsyncZod<{
  plugins: PluginService;
  pluginServer: PluginServerClient;
}> = async (app, { plugins, pluginServer }) => {
  app.get(at.listPlugins.path, {
    schema: apiSchema('listPlugins', errors),
    handler: async () => ({ plugins: await plugins.list() }),
  });

  app.post(at.installPlugin.path, {
    config: { idempotent: true },
    schema: apiSchema('installPlugin', errors, { headers: idempotencyHeaders }),
    handler: async (request, reply) =>
      reply.code(202).send(await plugins.view(await plugins.install(request.body))),
  });

  app.get(at.getPlugin.path, {
    schema: apiSchema('getPlugin', errors),
    handler: async (request) => plugins.view(await plugins.get(request.params.id)),
  });

  app.post(at.uninstallPlugin.path, {
    schema: apiSchema('uninstallPlugin', errors),
    handler: async (request, reply) =>
      reply.code(202).send(await plugins.view(await plugins.uninstall(request.params.id))),
  });

  app.post(at.restartPlugin.path, {
    schema: apiSchema('restartPlugin', errors),
    handler: async (request, reply) =>
      reply.code(202).send(await plugins.view(await plugins.restart(request.params.id))),
  });

  app.post(at.updatePlugin.path, {
    schema: apiSchema('updatePlugin', errors),
    handler: async (request, reply) =>
      reply
        .code(202)
        .send(await plugins.view(await plugins.update(request.params.id, request.body))),
  });

  app.put(at.configurePlugin.path, {
    schema: apiSchema('configurePlugin', errors),
    handler: async (request) =>
      plugins.view(await plugins.configure(request.params.id, request.body.config)),
  });

  app.put(at.grantPlugin.path, {
    schema: apiSchema('grantPlugin', errors),
    handler: async (request) =>
      plugins.view(await plugins.grant(request.params.id, request.body.grant)),
  });

  app.get(at.pluginLogs.path, {
    schema: apiSchema('pluginLogs', {}),
    handler: async (request, reply) => {
      await plugins.get(request.params.id);
      const text = await pluginServer.logs(request.params.id, request.query.tail);
      return reply.type('text/plain; charset=utf-8').send(text);
    },
  });

  app.post(at.nodeConfigOptions.path, {
    schema: apiSchema('nodeConfigOptions', errors),
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
