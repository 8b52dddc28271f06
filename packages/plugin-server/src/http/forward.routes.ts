/**
 * @module The forwarding routes: `/plugins/{id}/…` → the plugin process's own route. Bodies are
 * not parsed here; they stream through, capped in size. Calls reach them only when the lean path
 * in front of Fastify (forward-path.ts) leaves a URL to them; they also give the OpenAPI document
 * these routes.
 */
import type { FastifyPluginAsync } from 'fastify';
import { z } from 'zod';
import type { ForwardTarget } from '../forward/forwarder.ts';
import { relay, type RelayDeps } from './forward-relay.ts';
import { takeRawBodies } from './raw-body.ts';

interface Params {
  id: string;
  name?: string;
}

const pluginParams = z.object({ id: z.string().describe('The plugin id.') });
const componentParams = pluginParams.extend({
  name: z.string().describe('The node or integration name, as the manifest declares it.'),
});

export const forwardRoutes: FastifyPluginAsync<Omit<RelayDeps, 'log'>> = async (
  app,
  { manager, config },
) => {
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
        reply.hijack();
        await relay(
          { manager, config, log: request.log },
          { req: request.raw, res: reply.raw },
          { pluginId: request.params.id, target: target(request.params) },
        );
      },
    );
  };

  route(
    '/plugins/:id/nodes/:name/execute',
    "Run a node of the plugin (forwarded to the plugin's POST /nodes/{name}/execute)",
    (p) => ({ kind: 'node', name: p.name ?? '', action: 'execute' }),
  );
  route('/plugins/:id/nodes/:name/config', "A node's dynamic config (forwarded)", (p) => ({
    kind: 'node',
    name: p.name ?? '',
    action: 'config',
  }));
  route(
    '/plugins/:id/integrations/:name/config',
    "An integration's credential form (forwarded)",
    (p) => ({ kind: 'integration', name: p.name ?? '', action: 'config' }),
  );
  route(
    '/plugins/:id/integrations/:name/ready',
    'Check integration credentials (forwarded)',
    (p) => ({ kind: 'integration', name: p.name ?? '', action: 'ready' }),
  );
  route(
    '/plugins/:id/validate-config',
    "Check a plugin configuration (forwarded to the plugin's validateConfig)",
    () => ({ kind: 'validate-config' }),
  );
};
