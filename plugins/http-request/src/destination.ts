// Where requests may go. A request's URL comes from whoever edits the workflow, or from the data it
// handles, so unguarded it could reach the machine the plugin runs on, the private network around
// it, or a cloud metadata endpoint that hands out credentials (server-side request forgery). Only
// public addresses are reached unless the plugin's config allows more. Host names are checked on
// the very lookup the connection then uses, every address of the answer, so a DNS answer that
// changes between a check and the connection (DNS rebinding) cannot slip through.
import dns, { type LookupAddress, type LookupOptions } from 'node:dns';
import ipaddr from 'ipaddr.js';
import { Agent, EnvHttpProxyAgent, fetch, type RequestInit, type Response } from 'undici';
import { isPluginError, PluginError, z } from '@plugboard/sdk';

type Address = ipaddr.IPv4 | ipaddr.IPv6;
type Network = [Address, number];

// Host names as URLs carry them: lower case, ASCII (punycode for international names).
const HOST_NAME =
  /^[a-z0-9_](?:[a-z0-9_-]*[a-z0-9_])?(?:\.[a-z0-9_](?:[a-z0-9_-]*[a-z0-9_])?)*\.?$/;

/** An allowedHosts entry: a host name, or the addresses of an IP address or CIDR range. */
function parseEntry(entry: string): { name: string } | { network: Network } | undefined {
  const text = entry.trim().toLowerCase();
  try {
    if (text.includes('/')) {
      return { network: ipaddr.parseCIDR(text) };
    }
    const bare = text.replace(/^\[(.*)\]$/, '$1');
    if (ipaddr.IPv4.isValidFourPartDecimal(bare) || ipaddr.IPv6.isValid(bare)) {
      const address = ipaddr.process(bare);
      return { network: [address, address.kind() === 'ipv4' ? 32 : 128] };
    }
  } catch {
    return undefined;
  }
  return HOST_NAME.test(text) ? { name: text.replace(/\.$/, '') } : undefined;
}

export const pluginConfig = z.object({
  allowPrivateNetworks: z
    .boolean()
    .default(false)
    .describe(
      'Let requests reach non-public addresses: loopback (this machine), private networks (10/8, 172.16/12, 192.168/16, fc00::/7), link-local, carrier-grade NAT, multicast and the like. Off by default so that a workflow cannot reach services behind your firewall. Cloud metadata endpoints stay refused unless listed in allowedHosts.',
    ),
  allowedHosts: z
    .array(
      z
        .string()
        .refine(
          (entry) => parseEntry(entry) !== undefined,
          'give a host name (intranet.example.com), an IP address (10.1.2.3) or a CIDR range (10.20.0.0/16)',
        ),
    )
    .default([])
    .describe(
      'Host names, IP addresses or CIDR ranges that requests may reach even though they are not public, e.g. ["intranet.example.com", "10.20.0.0/16"]. A host name is trusted whatever it resolves to.',
    ),
});

export type DestinationConfig = z.output<typeof pluginConfig>;

interface Policy {
  readonly allowPrivate: boolean;
  readonly names: ReadonlySet<string>;
  readonly networks: readonly Network[];
}

function policyOf(config: DestinationConfig): Policy {
  const names = new Set<string>();
  const networks: Network[] = [];
  for (const entry of config.allowedHosts.map(parseEntry)) {
    if (entry !== undefined && 'name' in entry) {
      names.add(entry.name);
    } else if (entry !== undefined) {
      networks.push(entry.network);
    }
  }
  return { allowPrivate: config.allowPrivateNetworks, names, networks };
}

// Instance metadata services of AWS (also IPv6), ECS, EKS, GCP, Azure (IMDS and WireServer),
// Oracle and Alibaba. Most are link-local or otherwise non-public already; listing them keeps them
// refused when private networks are allowed, since they hand out the machine's cloud credentials.
const METADATA = new Set(
  [
    '169.254.169.254',
    '169.254.170.2',
    '169.254.170.23',
    '168.63.129.16',
    '192.0.0.192',
    '100.100.100.200',
    'fd00:ec2::254',
    'fd00:ec2::23',
  ].map((address) => ipaddr.parse(address).toNormalizedString()),
);

const NAT64: Network = [ipaddr.parse('64:ff9b::'), 96];

const RANGES: Record<string, string> = {
  loopback: 'a loopback address (this machine)',
  unspecified: 'the unspecified address (which reaches this machine)',
  private: 'a private-network address (RFC 1918)',
  uniqueLocal: 'a private-network address (fc00::/7)',
  linkLocal: 'a link-local address',
  carrierGradeNat: 'a carrier-grade NAT address (100.64.0.0/10)',
  multicast: 'a multicast address',
  broadcast: 'the broadcast address',
};

function contains([network, bits]: Network, address: Address): boolean {
  if (address instanceof ipaddr.IPv4) {
    return network instanceof ipaddr.IPv4 && address.match(network, bits);
  }
  return network instanceof ipaddr.IPv6 && address.match(network, bits);
}

/** Why the policy refuses an address, or undefined when requests may reach it. */
function refusal(text: string, policy: Policy): string | undefined {
  // IPv4-mapped (::ffff:127.0.0.1) and NAT64 (64:ff9b::7f00:1) addresses reach the IPv4 inside.
  let address: Address = ipaddr.process(text);
  if (address instanceof ipaddr.IPv6 && contains(NAT64, address)) {
    address = new ipaddr.IPv4(address.toByteArray().slice(12));
  }
  if (policy.networks.some((network) => contains(network, address))) {
    return undefined;
  }
  if (METADATA.has(address.toNormalizedString())) {
    return 'a cloud metadata endpoint';
  }
  const range = address.range();
  if (range === 'unicast' || policy.allowPrivate) {
    return undefined;
  }
  return RANGES[range] ?? `a non-public address (${range})`;
}

function refused(host: string, address: string, reason: string): PluginError {
  let where = `${host} resolves to ${address}, ${reason}`;
  if (host === address) {
    where = `${host} is ${reason}`;
  } else if (ipaddr.isValid(host)) {
    where = `${host} (that is ${address}) is ${reason}`;
  }
  const allow =
    reason === 'a cloud metadata endpoint'
      ? `add "${address}" to allowedHosts in the http-request plugin's config (allowPrivateNetworks does not open metadata endpoints)`
      : `set allowPrivateNetworks to true in the http-request plugin's config, or add "${host}" to its allowedHosts`;
  return new PluginError(
    `Refused to connect: ${where}. Requests reach only public addresses unless an operator allows more: ${allow}.`,
    { code: 'DESTINATION_NOT_ALLOWED', details: { host, address, reason } },
  );
}

type LookupCallback = (
  error: NodeJS.ErrnoException | null,
  address: string | LookupAddress[],
  family?: number,
) => void;

/** A `lookup` for net.connect that resolves as usual and refuses unless every address is allowed. */
function guardedLookup(
  policy: Policy,
): (hostname: string, options: LookupOptions, callback: LookupCallback) => void {
  return (hostname, options, callback) => {
    dns.lookup(hostname, { ...options, all: true }, (error, addresses) => {
      if (error !== null) {
        callback(error, []);
        return;
      }
      const name = hostname.toLowerCase().replace(/\.$/, '');
      for (const { address } of policy.names.has(name) ? [] : addresses) {
        const reason = refusal(address, policy);
        if (reason !== undefined) {
          callback(refused(hostname, address, reason), []);
          return;
        }
      }
      const [first] = addresses;
      if (options.all === true || first === undefined) {
        callback(null, addresses);
      } else {
        callback(null, first.address, first.family);
      }
    });
  };
}

/** Set by the Plugin Server's egress proxy on its own refusals. */
const PROXY_REFUSED = 'x-plugboard-egress-refused';

function refusedByProxy(url: URL, why: string): PluginError {
  return new PluginError(
    `Refused to connect to ${url.host}: the Plugin Server's sandbox lets plugins reach only public addresses unless its operator opens more (PLUGBOARD_SERVER_EGRESS_ALLOW) (${why}).`,
    { code: 'DESTINATION_NOT_ALLOWED', details: { host: url.hostname } },
  );
}

/** Refuses a URL whose host is an IP address the policy does not allow (names wait for lookup). */
function checkLiteral(url: URL, policy: Policy): void {
  const host = url.hostname.replace(/^\[(.*)\]$/, '$1');
  if (!ipaddr.isValid(host)) {
    return;
  }
  const reason = refusal(host, policy);
  if (reason !== undefined) {
    throw refused(host, ipaddr.process(host).toString(), reason);
  }
}

export interface Guard {
  /** undici's fetch, refusing destinations the policy does not allow. */
  fetch(url: URL, init: RequestInit): Promise<Response>;
  /** Closes the connections; call it once the last body has been read. */
  close(): Promise<void>;
}

/**
 * A fetch for one exchange (all its redirects), with connections pinned to checked addresses.
 * In a Plugin Server sandbox granted the network, the only way out is the server's egress proxy
 * (HTTPS_PROXY names it): it resolves each host and refuses non-public addresses the operator has
 * not opened, so there the plugin checks address literals and leaves names to the proxy.
 */
export function createGuard(config: DestinationConfig): Guard {
  const policy = policyOf(config);
  const proxied = (process.env['HTTPS_PROXY'] ?? process.env['HTTP_PROXY']) !== undefined;
  const agent = proxied
    ? new EnvHttpProxyAgent()
    : new Agent({ connect: { lookup: guardedLookup(policy) } });
  return {
    async fetch(url, init) {
      checkLiteral(url, policy);
      let response: Response;
      try {
        response = await fetch(url, { ...init, dispatcher: agent });
      } catch (error) {
        // fetch reports a refused lookup as "fetch failed" with the refusal as its cause.
        const cause = (error as { cause?: unknown }).cause;
        if (
          proxied &&
          /Proxy response \(403\)/.test(String((cause as Error | undefined)?.message))
        ) {
          throw refusedByProxy(url, 'the egress proxy refused the tunnel');
        }
        throw isPluginError(cause) ? cause : error;
      }
      if (proxied && response.status === 403 && response.headers.has(PROXY_REFUSED)) {
        throw refusedByProxy(url, (await response.text()).trim());
      }
      return response;
    },
    close: () => agent.destroy(),
  };
}
