/**
 * @module The file bridge on a Unix socket, for sandboxed plugins (they have no network). Only the
 * bridge's routes answer there; each request still proves its plugin with the launch token.
 */
import { chmod, rm } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { FastifyInstance } from 'fastify';

export interface BridgeSocket {
  /** The socket's path once it listens. */
  readonly path: string | undefined;
  listen(app: FastifyInstance): Promise<void>;
  close(): Promise<void>;
}

export function createBridgeSocket(path: string): BridgeSocket {
  let server: Server | undefined;
  return {
    get path() {
      return server === undefined ? undefined : path;
    },
    async listen(app) {
      const listening = createServer((request, response) => {
        if (request.url?.startsWith('/bridge/') === true) {
          app.routing(request, response);
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
      await new Promise<void>((resolve, reject) => {
        listening.once('error', reject);
        listening.listen(path, resolve);
      });
      // Every plugin uid connects to it; the folder above it lets no one list or replace it.
      await chmod(path, 0o666);
      server = listening;
    },
    async close() {
      const closing = server;
      server = undefined;
      if (closing !== undefined) {
        closing.closeAllConnections();
        await new Promise((resolve) => closing.close(resolve));
      }
      await rm(path, { force: true });
    },
  };
}
