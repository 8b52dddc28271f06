// For the operator CLI tests: a real platform built in-process (embedded PGlite in a temp folder,
// real HTTP on port 0), a small stand-in Plugin Server it drives, signed status webhooks to move
// plugin records along, and the real `plugboard` command run as a child process.
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { once } from 'node:events';
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createPlatform, loadPlatformConfig, type Platform } from '@plugboard/platform';
import { signedHeaders } from '@plugboard/server-api';
import { CLI_BIN } from '../helpers/plugin-process.ts';

export const USER_TOKEN = 'operator-user-token-0123456789';
const PLATFORM_KEY = 'operator-platform-key-0123456789';
const SERVER_API_KEY = 'operator-server-key-0123456789';
const WEBHOOK_SECRET = 'operator-webhook-secret-0123456789';
const SECRET_KEY = 'operator-secret-key-0123456789-0123456789';

export interface StandInCall {
  readonly method: string;
  readonly path: string;
  readonly body: unknown;
}

/** Answers a node execution: outputs after a while, or never (until the platform aborts). */
type ExecuteHandler = (call: {
  node: string;
  body: Record<string, unknown>;
  signal: AbortSignal;
}) => Promise<{ status: number; body: unknown }>;

export interface OperatorEnv {
  readonly url: string;
  readonly platform: Platform;
  readonly dataDir: string;
  readonly calls: StandInCall[];
  /** The log text the stand-in answers for any plugin. */
  logText: string;
  onExecute: ExecuteHandler | undefined;
  /** The real CLI with --url/--token of this platform appended (unless `connect: false`). */
  cli(args: readonly string[], options?: CliOptions): Promise<CliResult>;
  /** Posts a signed plugin status, as a Plugin Server does; the sequence grows by itself. */
  status(event: {
    pluginId: string;
    status: string;
    version?: string;
    reason?: string;
    logTail?: string[];
    manifest?: unknown;
  }): Promise<void>;
  api<T = unknown>(
    method: string,
    path: string,
    body?: unknown,
  ): Promise<{ status: number; body: T }>;
  close(): Promise<void>;
}

export interface CliOptions {
  readonly connect?: boolean;
  readonly cwd?: string;
  readonly env?: Record<string, string>;
}

export interface CliResult {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

export interface CliChild {
  readonly child: ChildProcess;
  stdout(): string;
  stderr(): string;
  readonly exited: Promise<CliResult>;
}

/** Starts `plugboard …` with only PATH (and `env`) in its environment. */
export function spawnCli(args: readonly string[], options: CliOptions = {}): CliChild {
  const child = spawn(process.execPath, [CLI_BIN, ...args], {
    cwd: options.cwd ?? tmpdir(),
    env: { PATH: process.env['PATH'] ?? '', ...options.env },
  });
  let stdout = '';
  let stderr = '';
  child.stdout.setEncoding('utf8').on('data', (c: string) => (stdout += c));
  child.stderr.setEncoding('utf8').on('data', (c: string) => (stderr += c));
  const exited = new Promise<CliResult>((resolve) => {
    child.on('exit', (code) => {
      resolve({ code, stdout, stderr });
    });
  });
  return { child, stdout: () => stdout, stderr: () => stderr, exited };
}

export function runCli(args: readonly string[], options: CliOptions = {}): Promise<CliResult> {
  return spawnCli(args, options).exited;
}

export async function startOperatorEnv(): Promise<OperatorEnv> {
  const stand = await startStandIn();
  const dataDir = await mkdtemp(join(tmpdir(), 'plugboard-operator-test-'));
  const config = loadPlatformConfig(
    {},
    {
      dataDir,
      port: 0,
      apiTokens: [USER_TOKEN],
      secretKey: SECRET_KEY,
      pluginServerUrl: stand.url,
      pluginServerApiKey: SERVER_API_KEY,
      platformApiKeys: [PLATFORM_KEY],
      webhookSecret: WEBHOOK_SECRET,
      logLevel: 'silent',
    },
  );
  const platform = await createPlatform({ config });
  const url = await platform.listen();
  const sequences = new Map<string, number>();
  let webhookIds = 0;

  const env: OperatorEnv = {
    url,
    platform,
    dataDir,
    calls: stand.calls,
    get logText() {
      return stand.logText;
    },
    set logText(text: string) {
      stand.logText = text;
    },
    get onExecute() {
      return stand.onExecute;
    },
    set onExecute(handler: ExecuteHandler | undefined) {
      stand.onExecute = handler;
    },
    cli: (args, options = {}) =>
      runCli(
        options.connect === false ? args : [...args, '--url', url, '--token', USER_TOKEN],
        options,
      ),
    async status(event) {
      const sequence = (sequences.get(event.pluginId) ?? 0) + 1;
      sequences.set(event.pluginId, sequence);
      const body = JSON.stringify({
        type: 'plugin.status',
        occurredAt: new Date().toISOString(),
        sequence,
        ...event,
      });
      webhookIds += 1;
      const response = await fetch(`${url}/plugin-server/status`, {
        method: 'POST',
        headers: {
          ...signedHeaders(WEBHOOK_SECRET, {
            id: `msg_${String(webhookIds)}_${randomBytes(4).toString('hex')}`,
            body,
          }),
          'content-type': 'application/json',
          authorization: `Bearer ${PLATFORM_KEY}`,
        },
        body,
      });
      const answer = (await response.json()) as { outcome?: string };
      if (response.status !== 200 || answer.outcome !== 'applied') {
        throw new Error(
          `status webhook not applied: ${String(response.status)} ${JSON.stringify(answer)}`,
        );
      }
    },
    async api<T>(method: string, path: string, body?: unknown) {
      const response = await fetch(`${url}${path}`, {
        method,
        headers: {
          authorization: `Bearer ${USER_TOKEN}`,
          ...(body === undefined ? {} : { 'content-type': 'application/json' }),
        },
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      });
      const text = await response.text();
      return { status: response.status, body: (text === '' ? undefined : JSON.parse(text)) as T };
    },
    async close() {
      await platform.close();
      await stand.close();
      await rm(dataDir, { recursive: true, force: true });
    },
  };
  return env;
}

/** A manifest the platform accepts, with the given nodes (objects without declared fields). */
export function manifest(options: {
  id: string;
  config?: Record<string, unknown>;
  nodes?: { name: string; inputs?: Record<string, unknown>; outputs?: Record<string, unknown> }[];
}): Record<string, unknown> {
  const object = (properties: Record<string, unknown> = {}, required: string[] = []) => ({
    $schema: 'https://json-schema.org/draft/2020-12/schema',
    type: 'object',
    properties,
    required,
    additionalProperties: false,
  });
  return {
    manifestVersion: 1,
    protocolVersion: 1,
    sdkVersion: '0.1.0',
    id: options.id,
    version: '1.2.3',
    displayName: options.id,
    description: 'a test plugin',
    author: '',
    config: options.config ?? object(),
    validatesConfig: false,
    nodes: (options.nodes ?? []).map((node) => ({
      name: node.name,
      title: node.name,
      description: '',
      category: 'other',
      inputs: node.inputs ?? object(),
      outputs: node.outputs ?? object(),
      config: object(),
      integrations: [],
      dynamicConfig: false,
    })),
    integrations: [],
    contentHash: `sha256-${randomBytes(32).toString('hex')}`,
  };
}

interface StandIn {
  readonly url: string;
  readonly calls: StandInCall[];
  logText: string;
  onExecute: ExecuteHandler | undefined;
  close(): Promise<void>;
}

/** Answers the platform like a Plugin Server: 202 for lifecycle calls, logs, executions. */
async function startStandIn(): Promise<StandIn> {
  const calls: StandInCall[] = [];
  const send = (res: ServerResponse, status: number, body: unknown) => {
    res.writeHead(status, { 'content-type': 'application/json' });
    res.end(JSON.stringify(body));
  };
  const handle = async (req: IncomingMessage, res: ServerResponse) => {
    const chunks: Buffer[] = [];
    for await (const chunk of req) {
      chunks.push(chunk as Buffer);
    }
    const text = Buffer.concat(chunks).toString('utf8');
    const body: unknown = text === '' ? undefined : JSON.parse(text);
    const path = (req.url ?? '/').split('?')[0] ?? '/';
    const method = req.method ?? 'GET';
    calls.push({ method, path, body });
    if (req.headers.authorization !== `Bearer ${SERVER_API_KEY}`) {
      send(res, 401, { error: { code: 'X', kind: 'user', message: 'key', retryable: false } });
      return;
    }
    const lifecycle = /^\/plugins\/([^/]+)\/(install|uninstall|restart|config|grant)$/.exec(path);
    const execute = /^\/plugins\/([^/]+)\/nodes\/([^/]+)\/execute$/.exec(path);
    if (method === 'GET' && path === '/health') {
      send(res, 200, { status: 'ok', ready: true, plugins: 0 });
    } else if (method === 'POST' && path === '/reconcile') {
      send(res, 200, { durationMs: 0, actions: [] });
    } else if (method === 'POST' && path === '/statuses/resync') {
      send(res, 202, { resent: 0 });
    } else if (method === 'POST' && lifecycle !== null) {
      const id = decodeURIComponent(lifecycle[1] ?? '');
      const status =
        lifecycle[2] === 'install'
          ? 'installing'
          : lifecycle[2] === 'uninstall'
            ? 'uninstalling'
            : 'running';
      send(res, 202, { id, status, restarts: 0 });
    } else if (method === 'GET' && /^\/plugins\/[^/]+\/logs$/.test(path)) {
      res.writeHead(200, { 'content-type': 'text/plain; charset=utf-8' });
      res.end(stand.logText);
    } else if (method === 'POST' && execute !== null && stand.onExecute !== undefined) {
      const abort = new AbortController();
      res.once('close', () => {
        if (!res.writableFinished) {
          abort.abort();
        }
      });
      const answer = await stand.onExecute({
        node: decodeURIComponent(execute[2] ?? ''),
        body: body as Record<string, unknown>,
        signal: abort.signal,
      });
      if (!abort.signal.aborted) {
        send(res, answer.status, answer.body);
      }
    } else {
      send(res, 404, {
        error: { code: 'SERVER_NOT_FOUND', kind: 'user', message: path, retryable: false },
      });
    }
  };
  const server: Server = createServer((req, res) => {
    handle(req, res).catch((error: unknown) => {
      send(res, 500, {
        error: { code: 'X', kind: 'internal', message: String(error), retryable: false },
      });
    });
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const stand: StandIn = {
    url: `http://127.0.0.1:${String((server.address() as AddressInfo).port)}`,
    calls,
    logText: '',
    onExecute: undefined,
    async close() {
      const closed = once(server, 'close');
      server.close();
      server.closeAllConnections();
      await closed;
    },
  };
  return stand;
}
