/**
 * @module Inside a sandbox granted the network: relays 127.0.0.1:EGRESS_PROXY_PORT (where the
 * process's HTTP_PROXY and HTTPS_PROXY point) to the Plugin Server's egress proxy on a Unix
 * socket. The relay decides nothing; the proxy outside checks every destination.
 */
import { once } from 'node:events';
import { connect, createServer, type Server } from 'node:net';
import { EGRESS_PROXY_PORT } from '@plugboard/protocol';
import { RuntimeError } from './runtime-error.ts';

export async function startEgressRelay(socketPath: string): Promise<Server> {
  const relay = createServer((client) => {
    const upstream = connect(socketPath);
    const end = (): void => {
      client.destroy();
      upstream.destroy();
    };
    client.on('error', end);
    upstream.on('error', end);
    client.pipe(upstream).pipe(client);
  });
  relay.listen(EGRESS_PROXY_PORT, '127.0.0.1');
  try {
    await once(relay, 'listening');
  } catch (error) {
    throw new RuntimeError(
      'SDK_LISTEN_FAILED',
      `cannot serve the egress relay on 127.0.0.1:${String(EGRESS_PROXY_PORT)}: ${(error as Error).message}`,
    );
  }
  relay.unref();
  return relay;
}
