// The whole system as real processes for end-to-end tests: `plugboard platform` and
// `plugboard server` started from the CLI, talking to each other over loopback, each with its
// own data folder; the Plugin Server can be killed and started again on the same folder and port.
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { join } from 'node:path';
import { CLI as CLI_BIN } from '../../helpers/npm-start.ts';
import { freePort } from '../../helpers/free-port.ts';

const API_TOKEN = 'e2e-user-token-0123456789';
const SERVER_KEY = 'e2e-server-key-0123456789';
const PLATFORM_KEY = 'e2e-platform-key-0123456789';
const WEBHOOK_SECRET = 'e2e-webhook-secret-0123456789abcdef';
const SECRET_KEY = 'e2e-secret-key-0123456789abcdef0123456789';

export interface SystemOptions {
  readonly dataDir: string;
  readonly databaseUrl?: string | undefined;
  readonly gitCaFile?: string | undefined;
  /** Node options for the platform's process (the profile bench passes --cpu-prof). */
  readonly platformNodeArgs?: readonly string[];
  /** More environment for the Plugin Server (its supervision settings, say). */
  readonly serverEnv?: Readonly<Record<string, string>>;
}

export interface RunningSystem {
  readonly platformUrl: string;
  readonly serverUrl: string;
  /** Every line the platform logged (pino JSON), parsed. */
  readonly platformLog: Record<string, unknown>[];
  api(path: string, init?: RequestInit): Promise<Response>;
  json<T>(
    path: string,
    init?: { method?: string; body?: unknown },
  ): Promise<{ status: number; body: T }>;
  /** The pids of the platform's and the Plugin Server's processes (undefined while stopped). */
  pids(): { platform: number | undefined; server: number | undefined };
  killServer(): Promise<void>;
  /** Stops the Plugin Server as an operator does (SIGTERM: it drains and stops its plugins). */
  stopServer(): Promise<void>;
  startServer(): Promise<void>;
  stop(): Promise<void>;
}

function started(child: ChildProcess, what: string): Promise<void> {
  return new Promise((resolve, reject) => {
    let seen = '';
    child.stderr?.on('data', (chunk: Buffer) => {
      seen += chunk.toString();
      if (seen.includes('listening on')) {
        resolve();
      }
    });
    child.once('exit', (code) => {
      reject(new Error(`${what} exited with ${String(code)} before listening:\n${seen}`));
    });
  });
}

export async function startSystem(options: SystemOptions): Promise<RunningSystem> {
  const [platformPort, serverPort] = [await freePort(), await freePort()];
  const platformUrl = `http://127.0.0.1:${String(platformPort)}`;
  const serverUrl = `http://127.0.0.1:${String(serverPort)}`;
  const base = { PATH: process.env['PATH'] ?? '' };
  const platformLog: Record<string, unknown>[] = [];
  let server: ChildProcess | undefined;

  const startServer = async (): Promise<void> => {
    server = spawn(
      process.execPath,
      [
        CLI_BIN,
        'server',
        '--port',
        String(serverPort),
        '--data-dir',
        join(options.dataDir, 'plugin-server'),
        '--dev',
      ],
      {
        env: {
          ...base,
          PLUGBOARD_SERVER_API_KEYS: SERVER_KEY,
          PLUGBOARD_PLATFORM_URL: platformUrl,
          PLUGBOARD_PLATFORM_API_KEY: PLATFORM_KEY,
          PLUGBOARD_WEBHOOK_SECRET: WEBHOOK_SECRET,
          ...(options.gitCaFile === undefined
            ? {}
            : { PLUGBOARD_SERVER_GIT_CA_FILE: options.gitCaFile }),
          PLUGBOARD_SERVER_LOG_LEVEL: 'warn',
          PLUGBOARD_SERVER_RECONCILE_INTERVAL_MS: '2000',
          ...options.serverEnv,
        },
        stdio: ['ignore', 'ignore', 'pipe'],
      },
    );
    await started(server, 'the Plugin Server');
  };

  const platform = spawn(
    process.execPath,
    [
      ...(options.platformNodeArgs ?? []),
      CLI_BIN,
      'platform',
      '--port',
      String(platformPort),
      '--data-dir',
      join(options.dataDir, 'platform'),
    ],
    {
      env: {
        ...base,
        PLUGBOARD_API_TOKENS: API_TOKEN,
        PLUGBOARD_SECRET_KEY: SECRET_KEY,
        PLUGBOARD_PLUGIN_SERVER_URL: serverUrl,
        PLUGBOARD_PLUGIN_SERVER_API_KEY: SERVER_KEY,
        PLUGBOARD_PLATFORM_API_KEY: PLATFORM_KEY,
        PLUGBOARD_WEBHOOK_SECRET: WEBHOOK_SECRET,
        ...(options.databaseUrl === undefined
          ? {}
          : { PLUGBOARD_DATABASE_URL: options.databaseUrl }),
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  let pending = '';
  platform.stdout.on('data', (chunk: Buffer) => {
    pending += chunk.toString();
    const lines = pending.split('\n');
    pending = lines.pop() ?? '';
    for (const line of lines) {
      try {
        platformLog.push(JSON.parse(line) as Record<string, unknown>);
      } catch {
        // Not a log line.
      }
    }
  });
  await started(platform, 'the platform');
  await startServer();

  const api = (path: string, init: RequestInit = {}) =>
    fetch(`${platformUrl}${path}`, {
      ...init,
      headers: {
        authorization: `Bearer ${API_TOKEN}`,
        ...(init.headers as Record<string, string>),
      },
    });
  return {
    platformUrl,
    serverUrl,
    platformLog,
    api,
    json: async <T>(path: string, init: { method?: string; body?: unknown } = {}) => {
      const response = await api(path, {
        method: init.method ?? (init.body === undefined ? 'GET' : 'POST'),
        ...(init.body === undefined
          ? {}
          : { body: JSON.stringify(init.body), headers: { 'content-type': 'application/json' } }),
      });
      const text = await response.text();
      return { status: response.status, body: (text === '' ? undefined : JSON.parse(text)) as T };
    },
    pids: () => ({
      platform: platform.exitCode === null ? platform.pid : undefined,
      server: server?.exitCode === null ? server.pid : undefined,
    }),
    killServer: async () => {
      if (server !== undefined && server.exitCode === null) {
        const exited = once(server, 'exit');
        server.kill('SIGKILL');
        await exited;
      }
    },
    stopServer: async () => {
      if (server !== undefined && server.exitCode === null) {
        const exited = once(server, 'exit');
        server.kill('SIGTERM');
        await exited;
      }
    },
    startServer,
    stop: async () => {
      for (const child of [server, platform]) {
        if (child !== undefined && child.exitCode === null) {
          const exited = once(child, 'exit');
          child.kill('SIGTERM');
          await exited;
        }
      }
    },
  };
}
