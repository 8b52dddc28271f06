// Requests that create something (a run, an install) carry an Idempotency-Key and are sent again
// with the same key while the platform answers a retryable error or cannot be reached, so the
// operator's command succeeds across a brief outage and never creates twice. A small fake
// platform on a real port answers the first attempts with 503 and records each key.
import { once } from 'node:events';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from './operator-env.ts';

const TOKEN = 'retry-test-token-0123456789';
let server: Server;
let url: string;
const keys: (string | undefined)[] = [];
let refusals = 0;

beforeAll(async () => {
  server = createServer((req, res) => {
    req.resume();
    const send = (status: number, body: unknown) => {
      res.writeHead(status, { 'content-type': 'application/json' });
      res.end(JSON.stringify(body));
    };
    if (req.method === 'GET' && req.url?.startsWith('/api/workflows')) {
      send(200, {
        workflows: [
          {
            id: 'wf_1',
            name: 'greeting',
            description: '',
            graph: { nodes: [], edges: [] },
            updatedAt: new Date(0),
          },
        ],
      });
    } else if (req.method === 'POST' && req.url === '/api/workflows/wf_1/runs') {
      keys.push(req.headers['idempotency-key'] as string | undefined);
      if (refusals > 0) {
        refusals -= 1;
        send(503, {
          error: {
            code: 'PLAT_DATABASE_UNAVAILABLE',
            kind: 'operational',
            message: 'PostgreSQL is not answering; retry shortly',
            retryable: true,
          },
        });
        return;
      }
      send(202, { id: 'run_1', workflowId: 'wf_1', status: 'queued' });
    } else {
      send(404, {
        error: { code: 'PLAT_NOT_FOUND', kind: 'user', message: 'no', retryable: false },
      });
    }
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  url = `http://127.0.0.1:${String((server.address() as AddressInfo).port)}`;
});
afterAll(() => {
  server.close();
});

/** `plugboard workflows run greeting --no-wait` against the fake platform. */
const runGreeting = () =>
  runCli(['workflows', 'run', 'greeting', '--no-wait', '--url', url, '--token', TOKEN]);

describe('a run started while the platform briefly answers 503', () => {
  it('is sent again with the same Idempotency-Key until it is taken', async () => {
    keys.length = 0;
    refusals = 2;
    const result = await runGreeting();
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    expect(result.stdout.trim()).toBe('run_1');
    expect(keys).toHaveLength(3);
    expect(new Set(keys).size).toBe(1);
    expect(keys[0]).toMatch(/^[0-9a-f-]{36}$/);
  }, 30_000);

  it('is sent once when the platform takes it at once', async () => {
    keys.length = 0;
    refusals = 0;
    const again = await runGreeting();
    expect(again.code).toBe(0);
    expect(keys).toHaveLength(1);
  }, 30_000);
});
