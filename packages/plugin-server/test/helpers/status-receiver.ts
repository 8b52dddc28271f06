// A platform stand-in for the status side: receives status webhooks (verifying their signatures),
// can be taken down and brought back, and serves a desired-state list.
import { once } from 'node:events';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { verifyWebhook, WEBHOOK_HEADERS, type StatusEvent } from '../../src/index.ts';
import { WEBHOOK_SECRET } from './test-server.ts';

interface ReceivedEvent extends StatusEvent {
  readonly webhookId: string;
  readonly verified: boolean;
}

export interface StatusReceiver {
  readonly url: string;
  readonly received: ReceivedEvent[];
  /** Every attempt, including those answered with an error while down. */
  attempts: number;
  /** The desired list served to pulls: any JSON, so tests can serve a broken one. */
  desired: unknown[];
  /** While down, every webhook gets 503 with `Retry-After: 0`. */
  down: boolean;
  /**
   * While away, webhooks and `/health` get 503 with no Retry-After, as from a platform that is
   * not there: the Plugin Server backs off.
   */
  away: boolean;
  statuses(pluginId: string): string[];
  waitFor(
    predicate: (events: readonly ReceivedEvent[]) => boolean,
    timeoutMs?: number,
  ): Promise<void>;
  close(): Promise<void>;
}

export async function startStatusReceiver(): Promise<StatusReceiver> {
  const state: StatusReceiver = {
    url: '',
    received: [],
    attempts: 0,
    desired: [],
    down: false,
    away: false,
    statuses: (id) => state.received.filter((e) => e.pluginId === id).map((e) => e.status),
    async waitFor(predicate, timeoutMs = 20_000) {
      const deadline = Date.now() + timeoutMs;
      while (!predicate(state.received)) {
        if (Date.now() > deadline) {
          throw new Error(
            `webhooks never matched; received ${JSON.stringify(state.received.map((e) => [e.pluginId, e.status, e.sequence]))}`,
          );
        }
        await new Promise((resolve) => setTimeout(resolve, 25));
      }
    },
    close: async () => {
      server.closeAllConnections();
      server.close();
      await once(server, 'close');
    },
  };
  const server: Server = createServer((req, res) => {
    let body = '';
    req.setEncoding('utf8');
    req.on('data', (chunk: string) => (body += chunk));
    req.on('end', () => {
      if (req.method === 'GET' && req.url === '/health') {
        res.writeHead(state.away ? 503 : 200, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ status: 'ok' }));
        return;
      }
      if (req.method === 'GET' && req.url === '/plugin-server/desired') {
        res.setHeader('content-type', 'application/json');
        res.end(JSON.stringify({ plugins: state.desired }));
        return;
      }
      if (req.method === 'POST' && req.url === '/plugin-server/status') {
        state.attempts += 1;
        if (state.away) {
          res.writeHead(503);
          res.end();
          return;
        }
        if (state.down) {
          res.writeHead(503, { 'retry-after': '0' });
          res.end();
          return;
        }
        const headers = {
          id: String(req.headers[WEBHOOK_HEADERS.id]),
          timestamp: String(req.headers[WEBHOOK_HEADERS.timestamp]),
          signature: String(req.headers[WEBHOOK_HEADERS.signature]),
        };
        state.received.push({
          ...(JSON.parse(body) as StatusEvent),
          webhookId: headers.id,
          verified: verifyWebhook(WEBHOOK_SECRET, { headers, body }),
        });
        res.writeHead(204);
        res.end();
        return;
      }
      res.writeHead(404);
      res.end();
    });
  }).listen(0, '127.0.0.1');
  await once(server, 'listening');
  return Object.assign(state, {
    url: `http://127.0.0.1:${String((server.address() as AddressInfo).port)}`,
  });
}
