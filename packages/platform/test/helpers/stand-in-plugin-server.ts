// A small stand-in for the Plugin Server on a real port: it records every call the platform makes
// and answers like the real one (202 with a plugin view for install/uninstall/restart/config, a
// reconcile report for /reconcile). It can refuse installs with a 400 error envelope, go down
// (stop listening) and come back on the same port, and answer node executions with a handler.
import { once } from 'node:events';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

interface RecordedCall {
  readonly method: string;
  readonly path: string;
  readonly authorization: string | undefined;
  readonly headers: IncomingMessage['headers'];
  readonly body: unknown;
}

interface ExecuteRequestSeen {
  readonly pluginId: string;
  readonly node: string;
  readonly body: Record<string, unknown>;
  /** Aborted when the platform drops the request (a cancelled run, a killed worker). */
  readonly signal: AbortSignal;
}

type ExecuteHandler = (call: ExecuteRequestSeen) => Promise<{ status: number; body: unknown }>;

export interface StandInPluginServer {
  readonly url: string;
  readonly calls: RecordedCall[];
  /** Answer installs with 400 and this error (a bad source), or not when undefined. */
  refuseInstall: { code: string; message: string } | undefined;
  /** How node executions are answered; 404 when unset. */
  onExecute: ExecuteHandler | undefined;
  callsTo(method: string, path: string | RegExp): RecordedCall[];
  /** Stops listening (connections refused) until up(). */
  down(): Promise<void>;
  up(): Promise<void>;
  close(): Promise<void>;
}

const envelope = (code: string, message: string) => ({
  error: { code, kind: 'user', message, retryable: false },
});

export async function startStandInPluginServer(options: {
  readonly apiKey: string;
}): Promise<StandInPluginServer> {
  const calls: RecordedCall[] = [];
  let server: Server | undefined;
  let port = 0;

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
    let body: unknown;
    try {
      body = text === '' ? undefined : JSON.parse(text);
    } catch {
      body = text;
    }
    const path = (req.url ?? '/').split('?')[0] ?? '/';
    const method = req.method ?? 'GET';
    calls.push({
      method,
      path,
      authorization: req.headers.authorization,
      headers: req.headers,
      body,
    });
    if (req.headers.authorization !== `Bearer ${options.apiKey}`) {
      send(res, 401, envelope('SERVER_UNAUTHORIZED', 'wrong key'));
      return;
    }
    const plugin = /^\/plugins\/([^/]+)\/([a-z]+)$/.exec(path);
    const execute = /^\/plugins\/([^/]+)\/nodes\/([^/]+)\/execute$/.exec(path);
    if (method === 'GET' && path === '/health') {
      send(res, 200, { status: 'ok', ready: true, plugins: 0 });
    } else if (method === 'POST' && path === '/reconcile') {
      send(res, 200, { durationMs: 0, actions: [] });
    } else if (method === 'POST' && path === '/statuses/resync') {
      send(res, 202, { resent: 0 });
    } else if (method === 'POST' && plugin !== null) {
      const id = decodeURIComponent(plugin[1] ?? '');
      switch (plugin[2] ?? '') {
        case 'install':
          if (stand.refuseInstall !== undefined) {
            send(res, 400, envelope(stand.refuseInstall.code, stand.refuseInstall.message));
          } else {
            send(res, 202, { id, status: 'installing', restarts: 0 });
          }
          return;
        case 'uninstall':
          send(res, 202, { id, status: 'uninstalling' });
          return;
        case 'restart':
        case 'config':
        case 'grant':
          send(res, 202, { id, status: 'running', restarts: 0 });
          return;
        default:
          send(res, 404, envelope('SERVER_NOT_FOUND', `no route ${path}`));
      }
    } else if (method === 'POST' && execute !== null) {
      const handler = stand.onExecute;
      if (handler === undefined) {
        send(res, 404, envelope('SERVER_PLUGIN_NOT_FOUND', 'no such plugin'));
        return;
      }
      const abort = new AbortController();
      res.once('close', () => {
        if (!res.writableFinished) {
          abort.abort();
        }
      });
      const answer = await handler({
        pluginId: decodeURIComponent(execute[1] ?? ''),
        node: decodeURIComponent(execute[2] ?? ''),
        body: body as Record<string, unknown>,
        signal: abort.signal,
      });
      if (!abort.signal.aborted) {
        send(res, answer.status, answer.body);
      }
    } else {
      send(res, 404, envelope('SERVER_NOT_FOUND', `no route ${method} ${path}`));
    }
  };

  const up = async () => {
    server = createServer((req, res) => {
      handle(req, res).catch((error: unknown) => {
        send(res, 500, envelope('SERVER_INTERNAL', (error as Error).message));
      });
    });
    server.listen(port, '127.0.0.1');
    await once(server, 'listening');
    port = (server.address() as AddressInfo).port;
  };
  const down = async () => {
    const current = server;
    server = undefined;
    if (current !== undefined) {
      const closed = once(current, 'close');
      current.close();
      current.closeAllConnections();
      await closed;
    }
  };

  await up();
  const stand: StandInPluginServer = {
    url: `http://127.0.0.1:${String(port)}`,
    calls,
    refuseInstall: undefined,
    onExecute: undefined,
    callsTo: (method, path) =>
      calls.filter(
        (c) =>
          c.method === method && (typeof path === 'string' ? c.path === path : path.test(c.path)),
      ),
    down,
    up,
    close: down,
  };
  return stand;
}
