/**
 * @module The only way out of a sandbox with a network grant: an HTTP proxy on a Unix socket
 * bound into the sandbox (the plugin has no network interface but its own loopback). It resolves
 * each destination itself, refuses loopback, private, link-local (metadata), multicast and other
 * non-public addresses unless the operator opened them, keeps to the granted hosts, and connects
 * to the address it checked, so a second DNS answer cannot steer it elsewhere.
 */
import { lookup } from 'node:dns/promises';
import { createServer, request as httpRequest, type IncomingMessage, type Server } from 'node:http';
import { connect, type Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import ipaddr from 'ipaddr.js';

/** Marks the proxy's own refusals, so a client can tell them from a 403 of the host it called. */
const REFUSED_HEADER = 'x-plugboard-egress-refused';

/** Connections one plugin may hold open through the proxy at once. */
const MAX_CONNECTIONS = 256;

export interface EgressPolicy {
  /** `true`: any public host; otherwise only these hosts (`*.example.com` matches below it). */
  readonly hosts: true | readonly string[];
  /** Address ranges (CIDR) the operator opened although they are not public. */
  readonly allowRanges: readonly string[];
  /** Hosts the operator configured (the package registry): reached at whatever address they have. */
  readonly trustedHosts?: readonly string[];
}

export interface EgressProxy {
  close(): Promise<void>;
}

type Checked =
  { readonly ok: true; readonly address: string } | { readonly ok: false; readonly why: string };

export async function startEgressProxy(
  socketPath: string,
  policy: EgressPolicy,
  log: (line: string) => void,
): Promise<EgressProxy> {
  const ranges = policy.allowRanges.map((cidr) => ipaddr.parseCIDR(cidr));
  const check = async (host: string): Promise<Checked> => {
    const name = host.replace(/^\[|\]$/g, '').toLowerCase();
    if (policy.hosts !== true && !policy.hosts.some((pattern) => hostMatches(pattern, name))) {
      return {
        ok: false,
        why: `${name} is not among the hosts granted (${policy.hosts.join(', ')})`,
      };
    }
    let addresses: string[];
    try {
      addresses = ipaddr.isValid(name)
        ? [name]
        : (await lookup(name, { all: true, order: 'verbatim' })).map((a) => a.address);
    } catch (error) {
      return {
        ok: false,
        why: `cannot resolve ${name}: ${(error as NodeJS.ErrnoException).code ?? 'error'}`,
      };
    }
    const trusted = policy.trustedHosts?.includes(name) === true;
    // Every address must be allowed: one private answer among public ones is refused, not skipped.
    for (const text of trusted ? [] : addresses) {
      const address = ipaddr.process(text);
      // ::a.b.c.d (IPv4-compatible, deprecated) counts as unicast to the library; it is not public.
      const range =
        address.kind() === 'ipv6' && address.toNormalizedString().startsWith('0:0:0:0:0:0:')
          ? 'ipv4Compatible'
          : address.range();
      if (
        range !== 'unicast' &&
        !ranges.some((cidr) => address.kind() === cidr[0].kind() && address.match(cidr))
      ) {
        return {
          ok: false,
          why: `${name} resolves to ${address.toString()} (${range}); plugins reach only public addresses unless the operator opens the range (PLUGBOARD_SERVER_EGRESS_ALLOW)`,
        };
      }
    }
    const [first] = addresses;
    return first === undefined
      ? { ok: false, why: `${name} has no address` }
      : { ok: true, address: ipaddr.process(first).toString() };
  };

  const refuse = (what: string, why: string): string => {
    log(`egress refused: ${what}: ${why}`);
    return `refused: ${why}\n`;
  };

  const server: Server = createServer((request, response) => {
    const target = parseAbsolute(request.url);
    if (target === undefined) {
      response.writeHead(400).end('only absolute http:// requests and CONNECT are proxied\n');
      return;
    }
    check(target.hostname)
      .then((checked) => {
        if (!checked.ok) {
          response
            .writeHead(403, { 'content-type': 'text/plain', [REFUSED_HEADER]: 'true' })
            .end(refuse(`${request.method ?? 'GET'} ${target.host}`, checked.why));
          return;
        }
        const upstream = httpRequest({
          host: checked.address,
          port: Number(target.port || 80),
          method: request.method,
          path: `${target.pathname}${target.search}`,
          // The host checked is the host asked: a Host header naming another site on the same
          // address would reach what the grant does not name.
          headers: { ...withoutHopByHop(request), host: target.host },
          setHost: false,
        });
        upstream.once('response', (answer) => {
          response.writeHead(answer.statusCode ?? 502, answer.headers);
          answer.pipe(response);
        });
        upstream.once('error', (error) => {
          response.destroy(error);
        });
        request.pipe(upstream);
      })
      .catch(() => {
        response.destroy();
      });
  });
  server.on('connect', (request: IncomingMessage, client: Duplex, head: Buffer) => {
    client.on('error', () => {
      client.destroy();
    });
    const match = /^(.+):(\d{1,5})$/.exec(request.url ?? '');
    const port = Number(match?.[2]);
    if (match === null || port < 1 || port > 65_535) {
      client.end('HTTP/1.1 400 Bad Request\r\n\r\nCONNECT takes host:port\n');
      return;
    }
    const host = match[1] ?? '';
    check(host)
      .then((checked) => {
        if (!checked.ok) {
          client.end(
            `HTTP/1.1 403 Forbidden\r\ncontent-type: text/plain\r\n${REFUSED_HEADER}: true\r\n\r\n${refuse(`CONNECT ${host}:${String(port)}`, checked.why)}`,
          );
          return;
        }
        const upstream: Socket = connect({ host: checked.address, port });
        upstream.once('connect', () => {
          client.write('HTTP/1.1 200 Connection Established\r\n\r\n');
          upstream.write(head);
          upstream.pipe(client).pipe(upstream);
        });
        upstream.once('error', () => {
          upstream.destroy();
          client.destroy();
        });
      })
      .catch(() => {
        client.destroy();
      });
  });
  // Each connection costs the server a file descriptor: one plugin cannot take them all.
  server.maxConnections = MAX_CONNECTIONS;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(socketPath, resolve);
  });
  return {
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => {
          resolve();
        });
      }),
  };
}

function hostMatches(pattern: string, host: string): boolean {
  return pattern.startsWith('*.') ? host.endsWith(pattern.slice(1)) : host === pattern;
}

function parseAbsolute(url: string | undefined): URL | undefined {
  try {
    const parsed = new URL(url ?? '');
    return parsed.protocol === 'http:' ? parsed : undefined;
  } catch {
    return undefined;
  }
}

const HOP_BY_HOP = new Set(['proxy-authorization', 'proxy-connection', 'connection', 'keep-alive']);

function withoutHopByHop(request: IncomingMessage): Record<string, string | string[]> {
  const headers: Record<string, string | string[]> = {};
  for (const [name, value] of Object.entries(request.headers)) {
    if (value !== undefined && !HOP_BY_HOP.has(name)) {
      headers[name] = value;
    }
  }
  return headers;
}
