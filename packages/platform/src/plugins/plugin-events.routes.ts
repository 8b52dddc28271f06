/**
 * @module `GET /api/plugins/events`: the plugin list, live (Server-Sent Events). A `plugins`
 * event carries every record as `GET /api/plugins` shows it, at once and again whenever one
 * changes: woken by an applied status webhook, and by a cheap check of the records' fingerprint
 * for changes made elsewhere (another platform process, a user's install).
 */
import { API_ROUTES as at } from '@plugboard/platform-api';
import { apiSchema } from '../http/api-schema.ts';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import type { Queryable } from '../db/database.ts';
import { openEventStream } from '../http/event-stream.ts';
import type { PluginService } from './plugin-service.ts';
import type { RunBus } from '../runs/run-bus.ts';

const CHECK_MS = 1_000;
const KEEP_ALIVE_MS = 15_000;
/** The bus channel a status webhook wakes (a run id never looks like this). */
export const PLUGINS_CHANNEL = '#plugins';

export const pluginEventsRoutes: FastifyPluginAsyncZod<{
  db: Queryable;
  plugins: PluginService;
  bus: RunBus;
}> = async (app, { db, plugins, bus }) => {
  const shutdown = new AbortController();
  app.addHook('preClose', (done) => {
    shutdown.abort();
    done();
  });

  const fingerprint = async (): Promise<string> => {
    const [row] = await db.query<{ n: number; latest: Date | null }>(
      'SELECT count(*)::int AS n, max(updated_at) AS latest FROM plugins',
    );
    return `${String(row?.n ?? 0)}@${row?.latest?.toISOString() ?? ''}`;
  };

  app.get(at.pluginEvents.path, {
    schema: apiSchema('pluginEvents', {}),
    handler: async (request, reply) => {
      const stream = openEventStream(request, reply, shutdown.signal);
      const off = bus.onChanged(PLUGINS_CHANNEL, () => {
        stream.wake();
      });
      try {
        let sent = '';
        let quiet = 0;
        while (!stream.ended.aborted) {
          const now = await fingerprint();
          if (now !== sent) {
            sent = now;
            quiet = 0;
            await stream.send({ type: 'plugins', data: { plugins: await plugins.list() } });
          } else if ((quiet += CHECK_MS) >= KEEP_ALIVE_MS) {
            quiet = 0;
            await stream.send({ comment: 'keep-alive' });
          }
          await stream.idle(CHECK_MS);
        }
      } finally {
        off();
        stream.end();
      }
    },
  });
};
