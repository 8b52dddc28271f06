// Starts a real Plugin Server (real plugin processes, real ports) on a temp data folder, with
// supervision timings shortened so failure tests run in seconds.
import { readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import {
  createPluginServer,
  loadServerConfig,
  type PluginServer,
  type PluginView,
  type ServerConfigInput,
} from '../../src/index.ts';
import { CLI_BIN } from './fixture-package.ts';

export const API_KEY = 'test-api-key-0123456789abcdef';
export const WEBHOOK_SECRET = 'whsec_dGVzdC13ZWJob29rLXNlY3JldC0wMTIzNDU2Nzg5';

export interface TestServer {
  readonly server: PluginServer;
  readonly url: string;
  readonly dataDir: string;
  call(
    method: string,
    path: string,
    body?: unknown,
    headers?: Record<string, string>,
  ): Promise<Response>;
  json<T = Record<string, unknown>>(
    method: string,
    path: string,
    body?: unknown,
  ): Promise<{ status: number; body: T }>;
  waitFor(
    id: string,
    predicate: (view: PluginView | undefined) => boolean,
    timeoutMs?: number,
  ): Promise<PluginView | undefined>;
  close(): Promise<void>;
}

export async function startTestServer(
  overrides: Partial<ServerConfigInput> = {},
  options: { dataDir?: string; hostEnv?: Record<string, string | undefined> } = {},
): Promise<TestServer> {
  const dataDir = options.dataDir ?? (await mkdtemp(join(tmpdir(), 'plugboard-server-')));
  const config = loadServerConfig(
    {},
    {
      apiKeys: [API_KEY],
      port: 0,
      dataDir,
      devMode: true,
      webhookSecret: WEBHOOK_SECRET,
      logLevel: 'silent',
      ...overrides,
      limits: { handshakeTimeoutMs: 10_000, ...overrides.limits },
      supervision: {
        healthIntervalMs: 500,
        healthTimeoutMs: 1_000,
        restartBaseMs: 200,
        restartMaxMs: 1_000,
        stopGraceMs: 2_000,
        ...overrides.supervision,
      },
      install: { installers: ['npm'], ...overrides.install },
    },
  );
  // Every test server checks each status change against the status rules of the contract.
  const unexpected: string[] = [];
  const server = await createPluginServer({
    config,
    serveBin: CLI_BIN,
    hostEnv: options.hostEnv ?? process.env,
    logger: pino({ level: 'silent' }),
    onUnexpectedStatus: (id, from, to) => {
      unexpected.push(`${id}: ${from} → ${to}`);
    },
  });
  const url = await server.listen();
  const call = (
    method: string,
    path: string,
    body?: unknown,
    headers: Record<string, string> = {},
  ) =>
    fetch(`${url}${path}`, {
      method,
      headers: {
        authorization: `Bearer ${API_KEY}`,
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
        ...headers,
      },
      ...(body === undefined
        ? {}
        : {
            body:
              typeof body === 'string' || body instanceof Uint8Array ? body : JSON.stringify(body),
          }),
    });
  return {
    server,
    url,
    dataDir,
    call,
    async json<T>(method: string, path: string, body?: unknown) {
      const response = await call(method, path, body);
      return { status: response.status, body: (await response.json()) as T };
    },
    async waitFor(id, predicate, timeoutMs = 20_000) {
      const deadline = Date.now() + timeoutMs;
      let last: PluginView | undefined;
      while (Date.now() < deadline) {
        const response = await call('GET', `/plugins/${id}`);
        last =
          response.status === 200
            ? ((await response.json()) as PluginView)
            : (await response.body?.cancel(), undefined);
        if (predicate(last)) {
          return last;
        }
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
      throw new Error(
        `plugin ${id} did not reach the expected state within ${String(timeoutMs)} ms; last: ${(JSON.stringify(last) as string | undefined)?.slice(0, 600) ?? 'no plugin'}`,
      );
    },
    async close() {
      await server.close();
      if (unexpected.length > 0) {
        throw new Error(`status changes the status rules do not allow: ${unexpected.join('; ')}`);
      }
      if (options.dataDir === undefined) {
        await rm(dataDir, { recursive: true, force: true });
      }
    },
  };
}

/** A process that exists and is not a zombie (this machine's PID 1 may never reap orphans). */
export function isAlive(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${String(pid)}/stat`, 'utf8');
    return !/^\d+ \(.*\) Z /.test(stat);
  } catch {
    return false;
  }
}
