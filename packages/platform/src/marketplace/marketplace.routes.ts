/**
 * @module The marketplace: a folder of archives and their index served read-only at
 * `/marketplace/` (Plugin Servers install from it, checking each archive's integrity), and
 * `GET /api/marketplace` to browse whichever index the Plugin Server uses, with what is installed.
 */
import fastifyStatic from '@fastify/static';
import { describeRequests, errorEnvelopeSchema } from '@plugboard/protocol';
import {
  compareVersions,
  latestVersion,
  marketplaceIndexSchema,
  type MarketplaceIndex,
} from '@plugboard/server-api';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { apiSchema } from '../http/api-schema.ts';
import { request } from 'undici';
import { API_ROUTES as at } from '@plugboard/platform-api';
import { PlatformError } from '../errors.ts';
import type { PluginRepository } from '../plugins/plugin-repository.ts';

export const marketplaceRoutes: FastifyPluginAsyncZod<{
  dir: string | undefined;
  indexUrl: string | undefined;
  plugins: PluginRepository;
}> = async (app, { dir, indexUrl, plugins }) => {
  if (dir !== undefined) {
    await app.register(fastifyStatic, {
      root: dir,
      prefix: '/marketplace/',
      // Archives are content-addressed by version and checked by integrity; no listings.
      index: false,
      list: false,
      dotfiles: 'deny',
    });
  }

  const readIndex = async (): Promise<{ source: string; index: MarketplaceIndex }> => {
    let text: string;
    let source: string;
    try {
      if (indexUrl !== undefined) {
        source = indexUrl;
        const response = await request(indexUrl, { signal: AbortSignal.timeout(10_000) });
        text = await response.body.text();
        if (response.statusCode !== 200) {
          throw new PlatformError(
            'PLAT_PLUGIN_SERVER_UNAVAILABLE',
            `the marketplace at ${indexUrl} answered ${String(response.statusCode)}`,
          );
        }
      } else if (dir !== undefined) {
        source = join(dir, 'index.json');
        text = await readFile(source, 'utf8');
      } else {
        throw new PlatformError(
          'PLAT_NOT_FOUND',
          'no marketplace is configured; set PLUGBOARD_MARKETPLACE_DIR or PLUGBOARD_MARKETPLACE_URL',
        );
      }
    } catch (error) {
      if (error instanceof PlatformError) {
        throw error;
      }
      throw new PlatformError(
        'PLAT_PLUGIN_SERVER_UNAVAILABLE',
        `cannot read the marketplace index: ${(error as Error).message}`,
      );
    }
    const parsed = marketplaceIndexSchema.safeParse(JSON.parse(text));
    if (!parsed.success) {
      throw new PlatformError(
        'PLAT_PLUGIN_SERVER_ERROR',
        `the marketplace index at ${source} is invalid: ${parsed.error.issues[0]?.message ?? ''}`,
      );
    }
    return { source, index: parsed.data };
  };

  app.get(at.marketplace.path, {
    schema: apiSchema('marketplace', { 401: errorEnvelopeSchema, 404: errorEnvelopeSchema }),
    handler: async (request) => {
      const { source, index } = await readIndex();
      const records = new Map((await plugins.list()).map((r) => [r.id, r]));
      const q = request.query.q?.toLowerCase();
      return {
        source,
        plugins: index.plugins
          .filter(
            (p) =>
              q === undefined ||
              `${p.name} ${p.displayName ?? ''} ${p.description}`.toLowerCase().includes(q),
          )
          .map((p) => {
            const record = records.get(p.name);
            const versions = p.versions.map((v) => v.version).sort(compareVersions);
            // The Plugin Server installs this one when no version is named: the same rule.
            const latest = latestVersion(versions) ?? '';
            return {
              name: p.name,
              displayName: p.displayName ?? p.name,
              description: p.description,
              versions,
              latest,
              asks: describeRequests(p.versions.find((v) => v.version === latest) ?? {}),
              ...(record === undefined || record.status === 'uninstalled'
                ? {}
                : {
                    installed: {
                      status: record.status,
                      ...(record.version === undefined ? {} : { version: record.version }),
                      ...(record.manifest === undefined
                        ? {}
                        : { asks: describeRequests(record.manifest) }),
                    },
                  }),
            };
          }),
      };
    },
  });
};
