/**
 * @module The web UI: the built single-page app served at `/`. A path that names a built file gets
 * it; any other path outside the API, docs and marketplace gets index.html, so the app's own
 * routes load directly. The app talks only to the public API with the user's token; its files are
 * public.
 */
import { stat } from 'node:fs/promises';
import { join, normalize } from 'node:path';
import fastifyStatic from '@fastify/static';
import type { FastifyPluginAsync } from 'fastify';
import { PlatformError } from '../errors.ts';

const NOT_THE_APP = /^\/(api|plugin-server|docs|marketplace|health)(\/|$)/;

export const webUiRoutes: FastifyPluginAsync<{ dir: string }> = async (app, { dir }) => {
  // `serve: false`: only reply.sendFile, which refuses paths outside `dir`.
  await app.register(fastifyStatic, { root: dir, serve: false });
  app.get('/*', { config: { public: true }, schema: { hide: true } }, async (request, reply) => {
    let path: string;
    try {
      path = decodeURIComponent(request.url.split('?')[0] ?? '/');
    } catch {
      throw new PlatformError('PLAT_BAD_REQUEST', 'the address has a malformed %-escape');
    }
    if (NOT_THE_APP.test(path)) {
      throw new PlatformError('PLAT_NOT_FOUND', `no route GET ${path}; see /docs`);
    }
    const file = normalize(path)
      .replace(/^(\.\.[/\\])+/, '')
      .replace(/^\/+/, '');
    const isFile =
      file !== '' &&
      (await stat(join(dir, file)).then(
        (s) => s.isFile(),
        () => false,
      ));
    // Built assets carry a content hash in their names; index.html must always be fresh.
    if (isFile && file.startsWith('assets/')) {
      return reply.sendFile(file, { maxAge: '365d', immutable: true });
    }
    void reply.header('cache-control', 'no-cache');
    // The admin UI is never framed by another site (clickjacking).
    void reply.header('content-security-policy', "frame-ancestors 'none'");
    void reply.header('x-frame-options', 'DENY');
    return reply.sendFile(isFile ? file : 'index.html', { cacheControl: false });
  });
};
