// A real Plugin Server embedded in the bench process (as its tests embed one), on a loopback port
// and a temp data folder, with helpers to install a plugin and time it to `running`.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  createPluginServer,
  loadServerConfig,
  type PluginDetail,
  type PluginServerOptions,
  type ServerConfigInput,
} from '@plugboard/plugin-server';
import { sleep } from './measure.ts';
import { CLI } from './plugin-fixture.ts';

export const API_KEY = 'bench-api-key-0123456789abcdef';
const POLL_MS = 20;
const INSTALL_LIMIT_MS = 120_000;

export interface BenchServer {
  readonly url: string;
  call(method: string, path: string, body?: unknown): Promise<{ status: number; body: unknown }>;
  /** Installs from a local folder; resolves once the plugin is `running`, with the time it took. */
  installFolder(id: string, dir: string): Promise<{ ms: number; detail: PluginDetail }>;
  /** The last lines of the plugin's log (install steps, starts, exits). */
  log(id: string): Promise<string>;
  /** Uninstalls and waits until the server no longer knows the plugin. */
  uninstall(id: string): Promise<void>;
  readonly close: () => Promise<void>;
}

export async function startBenchServer(
  overrides: Partial<ServerConfigInput>,
  logger?: PluginServerOptions['logger'],
): Promise<BenchServer> {
  const dataDir = await mkdtemp(join(tmpdir(), 'plugboard-bench-server-'));
  const config = loadServerConfig(
    {},
    { apiKeys: [API_KEY], host: '127.0.0.1', port: 0, dataDir, devMode: true, ...overrides },
  );
  const server = await createPluginServer({
    config,
    serveBin: CLI,
    hostEnv: process.env,
    ...(logger === undefined ? {} : { logger }),
  });
  const url = await server.listen();

  const call = async (method: string, path: string, body?: unknown) => {
    const response = await fetch(`${url}${path}`, {
      method,
      headers: {
        authorization: `Bearer ${API_KEY}`,
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
      },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    return { status: response.status, body: await response.json() };
  };

  return {
    url,
    call,
    async installFolder(id, dir) {
      const began = performance.now();
      const accepted = await call('POST', `/plugins/${id}/install`, {
        source: { type: 'local', path: dir },
      });
      if (accepted.status !== 202) {
        throw new Error(
          `install refused (${String(accepted.status)}): ${JSON.stringify(accepted.body)}`,
        );
      }
      for (;;) {
        const { body } = await call('GET', `/plugins/${id}`);
        const detail = body as PluginDetail;
        if (detail.status === 'running') {
          return { ms: performance.now() - began, detail };
        }
        if (detail.status === 'error') {
          throw new Error(`install failed: ${detail.reason ?? JSON.stringify(detail.lastError)}`);
        }
        if (performance.now() - began > INSTALL_LIMIT_MS) {
          throw new Error(`install did not finish within ${String(INSTALL_LIMIT_MS)} ms`);
        }
        await sleep(POLL_MS);
      }
    },
    async log(id) {
      const response = await fetch(`${url}/plugins/${id}/logs?tail=500`, {
        headers: { authorization: `Bearer ${API_KEY}` },
      });
      return response.text();
    },
    async uninstall(id) {
      await call('POST', `/plugins/${id}/uninstall`);
      const began = performance.now();
      while ((await call('GET', `/plugins/${id}`)).status !== 404) {
        if (performance.now() - began > INSTALL_LIMIT_MS) {
          throw new Error(`uninstall did not finish within ${String(INSTALL_LIMIT_MS)} ms`);
        }
        await sleep(POLL_MS);
      }
    },
    async close() {
      await server.close();
      await rm(dataDir, { recursive: true, force: true });
    },
  };
}
