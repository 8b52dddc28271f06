// A bench-only Engine: a plugin "process" is an entry in a map, and every one of them is served by
// ONE tiny node:http server in the bench process, so a real PluginManager can hold 1 000 running
// plugins on a 2-core box. The server answers what the manager itself calls on a plugin:
// /manifest (that plugin's own, found by the launch token it presents), /config and /health.
// Nothing is spawned; installEnvironment only moves the package into place, as the process engine
// does before it installs dependencies (the bench packages have none).
import { randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { mkdir, readFile, rename, rm } from 'node:fs/promises';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import type { Engine, ExitInfo, PluginProcess } from '@plugboard/plugin-server';

export interface FakeEngine {
  readonly engine: Engine;
  /** Plugin "processes" started and not stopped. */
  readonly running: () => number;
  readonly close: () => Promise<void>;
}

const STOPPED: ExitInfo = { code: 0, signal: null, description: 'exited with code 0' };

function answer(response: ServerResponse, status: number, body: string): void {
  response.writeHead(status, {
    'content-type': 'application/json',
    'content-length': Buffer.byteLength(body),
  });
  response.end(body);
}

export async function startFakeEngine(pluginsDir: string): Promise<FakeEngine> {
  /** Launch token → the manifest that "process" serves (the text its package shipped). */
  const manifests = new Map<string, string>();
  const stops = new WeakMap<PluginProcess, () => void>();

  const server = createServer((request: IncomingMessage, response: ServerResponse) => {
    // The body (/config's) is read to the end before answering, as a real plugin does.
    request.resume();
    request.once('end', () => {
      const token = (request.headers.authorization ?? '').replace(/^Bearer /, '');
      const manifest = manifests.get(token);
      if (request.url === '/health') {
        answer(response, 200, '{"status":"ok"}');
      } else if (manifest === undefined) {
        answer(response, 401, '{"error":{"code":"PLUGIN_UNAUTHORIZED","message":"bad token"}}');
      } else if (request.url === '/manifest') {
        answer(response, 200, manifest);
      } else if (request.url === '/config' && request.method === 'POST') {
        answer(response, 200, '{"valid":true,"issues":[],"applied":true}');
      } else {
        answer(response, 404, '{"error":{"code":"PLUGIN_NOT_FOUND","message":"no such route"}}');
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;

  const engine: Engine = {
    async installEnvironment(request) {
      const folder = join(
        pluginsDir,
        request.pluginId,
        `${request.version}-${randomBytes(4).toString('hex')}`,
      );
      await mkdir(folder, { recursive: true });
      await rename(request.staging, join(folder, 'package'));
      await mkdir(join(folder, 'scratch'));
      return { folder };
    },
    async start(request) {
      const manifest = await readFile(
        join(request.folder, 'package', 'plugboard.manifest.json'),
        'utf8',
      );
      const token = randomBytes(24).toString('base64url');
      manifests.set(token, manifest);
      let exited = false;
      let resolveExit: (info: ExitInfo) => void = () => undefined;
      // Never settles until stop(): a crash is not what this benchmark is about.
      const exit = new Promise<ExitInfo>((resolve) => (resolveExit = resolve));
      const proc: PluginProcess = {
        pid: process.pid,
        port,
        socketPath: undefined,
        url: `http://127.0.0.1:${String(port)}`,
        sandbox: { confined: [], missing: [] },
        token,
        startedAt: new Date(),
        exited: exit,
        hasExited: () => exited,
      };
      stops.set(proc, () => {
        exited = true;
        manifests.delete(token);
        resolveExit(STOPPED);
      });
      return proc;
    },
    stop(proc) {
      stops.get(proc)?.();
      return proc.exited;
    },
    remove: (folder) => rm(folder, { recursive: true, force: true }),
    reapLeftover: () => Promise.resolve(false),
    describe: (proc) => ({
      engine: 'bench-fake',
      pid: proc.pid,
      port,
      startedAt: proc.startedAt.toISOString(),
    }),
  };

  return {
    engine,
    running: () => manifests.size,
    close: async () => {
      server.closeAllConnections();
      await new Promise<void>((resolve) =>
        server.close(() => {
          resolve();
        }),
      );
    },
  };
}
