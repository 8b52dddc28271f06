/**
 * @module `/api/plugins`: install from any source, list and inspect, uninstall, restart, update
 * (see what a version would break, make it current, roll back), configure, read the log, and ask
 * a plugin node for its dynamic config options.
 */
import { nodeConfigResponseSchema } from '@plugboard/protocol';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { apiSchema, errorAnswers } from '../http/api-schema.ts';
import { PlatformError } from '../errors.ts';

import { idempotencyHeaders } from '../http/idempotency.ts';
import type { PluginServerClient } from '../plugin-server/plugin-server-client.ts';
import { API_ROUTES as at } from '@plugboard/platform-api';
import type { NodeRegistry } from '../nodes/node-registry.ts';
import type { WorkflowRepository } from '../workflows/workflow-repository.ts';
import type { PluginService } from './plugin-service.ts';
import { updateImpact } from './update-impact.ts';

const errors = errorAnswers(400, 401, 404, 409, 422, 502);

export const pluginsRoutes: FastifyPluginAsyncZod<{
  plugins: PluginService;
  pluginServer: PluginServerClient;
  workflows: WorkflowRepository;
  registry: () => Promise<NodeRegistry>;
}> = async (app, { plugins, pluginServer, workflows, registry }) => {
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

  app.get(at.updateImpact.path, {
    schema: apiSchema('updateImpact', errors),
    handler: async (request) =>
      updateImpact({
        record: await plugins.get(request.params.id),
        version: request.query.version,
        workflows: await workflows.list(),
        registry: await registry(),
      }),
  });

  app.post(at.activateVersion.path, {
    schema: apiSchema('activateVersion', errors),
    handler: async (request, reply) =>
      reply
        .code(202)
        .send(await plugins.view(await plugins.activate(request.params.id, request.body.version))),
  });

  app.post(at.rollbackPlugin.path, {
    schema: apiSchema('rollbackPlugin', errors),
    handler: async (request, reply) =>
      reply
        .code(202)
        .send(await plugins.view(await plugins.rollback(request.params.id, request.body.to))),
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
