// The official http-request plugin in a real Plugin Server's sandbox: granted the network, it
// reaches hosts only through the server's egress proxy, which keeps loopback closed unless the
// operator opens it; without the grant it does not start.
import { cp, mkdtemp, rm } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { pino } from 'pino';
import { createPluginServer, loadServerConfig, type PluginServer } from '@plugboard/plugin-server';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const HTTP_REQUEST = fileURLToPath(new URL('../../plugins/http-request', import.meta.url));
const SERVE_BIN = fileURLToPath(new URL('../../packages/cli/bin/plugboard.js', import.meta.url));
const KEY = 'sandboxed-http-request-key-0123456789';

let target: Server;
let targetUrl: string;
let plugin: string;
const servers: { server: PluginServer; url: string; dataDir: string }[] = [];

async function serverWith(
  overrides: Record<string, unknown>,
): Promise<{ server: PluginServer; url: string }> {
  const dataDir = await mkdtemp(join(tmpdir(), 'plugboard-http-sandbox-'));
  const config = loadServerConfig(
    {},
    { apiKeys: [KEY], port: 0, dataDir, devMode: true, logLevel: 'silent', ...overrides },
  );
  const server = await createPluginServer({
    config,
    serveBin: SERVE_BIN,
    hostEnv: process.env,
    logger: pino({ level: 'silent' }),
  });
  const url = await server.listen();
  servers.push({ server, url, dataDir });
  return { server, url };
}

/** The parts of the Plugin Server's answers this test reads. */
interface Answer {
  status?: string;
  reason?: string;
  sandbox?: { confined: string[] };
  outputs?: Record<string, unknown>;
  error?: { code: string; message: string };
}

async function call(url: string, method: string, path: string, body?: unknown) {
  const response = await fetch(`${url}${path}`, {
    method,
    headers: { authorization: `Bearer ${KEY}`, 'content-type': 'application/json' },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  return { status: response.status, body: (await response.json()) as Answer };
}

async function installed(url: string, done: (status: string) => boolean) {
  await call(url, 'POST', '/plugins/http-request/install', {
    source: { type: 'local', path: plugin },
    config: { allowPrivateNetworks: true },
  });
  for (let i = 0; i < 600; i++) {
    const view = await call(url, 'GET', '/plugins/http-request');
    if (done(String(view.body.status))) {
      return view.body;
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error('http-request never settled');
}

const get = (url: string) =>
  call(url, 'POST', '/plugins/http-request/nodes/request/execute', {
    // Installed with allowPrivateNetworks: the plugin's own check lets 127.0.0.1 pass, so what
    // stops it on the closed server is the sandbox's egress proxy.
    inputs: { url: targetUrl },
  });

beforeAll(async () => {
  target = createServer((_request, response) => {
    response.setHeader('content-type', 'application/json');
    response.end('{"from":"the host"}');
  });
  await new Promise<void>((resolve) => target.listen(0, '127.0.0.1', resolve));
  targetUrl = `http://127.0.0.1:${String((target.address() as AddressInfo).port)}/`;
  // A copy without its node_modules: the Plugin Server installs its dependencies itself.
  plugin = join(await mkdtemp(join(tmpdir(), 'plugboard-http-request-')), 'http-request');
  await cp(HTTP_REQUEST, plugin, {
    recursive: true,
    filter: (source) => !source.includes('node_modules'),
  });
});
afterAll(async () => {
  target.close();
  for (const { server, dataDir } of servers) {
    await server.close();
    await rm(dataDir, { recursive: true, force: true });
  }
});

describe('http-request in the sandbox', () => {
  it('reaches a loopback host only when the operator opened loopback to the egress proxy', async () => {
    const opened = await serverWith({
      allowNetwork: ['http-request'],
      egressAllow: ['127.0.0.1/32'],
      install: { installers: ['npm'] },
    });
    const view = await installed(opened.url, (s) => s === 'running' || s === 'error');
    expect(view.status, view.reason).toBe('running');
    expect(view.sandbox?.confined).toContain('network');
    const answer = await get(opened.url);
    expect(answer.body.outputs, JSON.stringify(answer.body)).toMatchObject({
      status: 200,
      body: { from: 'the host' },
    });

    const closed = await serverWith({
      allowNetwork: ['http-request'],
      install: { installers: ['npm'] },
    });
    await installed(closed.url, (s) => s === 'running');
    const refused = await get(closed.url);
    expect(refused.body.error?.code).toBe('DESTINATION_NOT_ALLOWED');
    expect(refused.body.error?.message).toContain('PLUGBOARD_SERVER_EGRESS_ALLOW');
    expect(JSON.stringify(refused.body)).not.toContain('the host');
  }, 120_000);

  it('does not start without the network grant, and says how to grant it', async () => {
    const ungranted = await serverWith({ install: { installers: ['npm'] } });
    const view = await installed(ungranted.url, (s) => s === 'error');
    expect(view.reason).toContain('PLUGBOARD_SERVER_ALLOW_NETWORK');
  }, 120_000);
});
