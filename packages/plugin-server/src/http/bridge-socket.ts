/**
 * @module The file bridge on Unix sockets, for sandboxed plugins (they have no network): one
 * socket per plugin launch, in a folder only the server writes, bound into that plugin's sandbox.
 * Only the bridge's routes answer there; each request still proves its plugin with the launch
 * token; and each socket takes a bounded number of connections, so one plugin cannot spend the
 * server's file descriptors or starve another's file transfers.
 */
import { chmod, rm } from 'node:fs/promises';
import { createServer } from 'node:http';
import type { FastifyInstance } from 'fastify';

/** Connections one plugin may hold to the bridge at once (its transfers in flight). */
const MAX_CONNECTIONS = 64;
/** A connection that sends nothing for this long is closed. */
const IDLE_MS = 60_000;

export interface BridgeSocket {
  readonly path: string;
  close(): Promise<void>;
}

/** Opens bridge sockets for `app` once it exists; before that there is nothing to open. */
export function bridgeSockets(
  app: () => FastifyInstance | undefined,
): (path: string) => Promise<BridgeSocket | undefined> {
  return async (path) => {
    const routes = app();
    if (routes === undefined) {
      return undefined;
    }
    const server = createServer((request, response) => {
      if (request.url?.startsWith('/bridge/') === true) {
        routes.routing(request, response);
        return;
      }
      response.writeHead(404, { 'content-type': 'application/json' }).end(
        JSON.stringify({
          error: {
            code: 'PSRV_NOT_FOUND',
            kind: 'user',
            message: 'only the file bridge (/bridge/…) answers on this socket',
            retryable: false,
          },
        }),
      );
    });
    server.maxConnections = MAX_CONNECTIONS;
    server.keepAliveTimeout = IDLE_MS;
    server.headersTimeout = IDLE_MS;
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(path, resolve);
    });
    // The plugin's uid connects to it through the bind; the folder above lets no one replace it.
    await chmod(path, 0o666);
    return {
      path,
      async close() {
        server.closeAllConnections();
        await new Promise((resolve) => server.close(resolve));
        await rm(path, { force: true });
      },
    };
  };
}
