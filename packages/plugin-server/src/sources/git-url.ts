/**
 * @module Checks a git source URL before git ever sees it: https only, no credentials, nothing
 * git or a shell could read as an option, a transport or a second line, and (in production) no
 * host that is or resolves to a loopback, private, link-local or otherwise internal address.
 */
import { lookup } from 'node:dns/promises';
import { BlockList, isIP } from 'node:net';
import { checkGitUrlRules } from '@plugboard/server-api';
import { ServerError } from '../errors.ts';

/** Resolves a host name to every address it has, like `dns.lookup(host, { all: true })`. */
type LookupAll = (hostname: string) => Promise<readonly { address: string }[]>;

export interface GitHostCheckOptions {
  readonly allowPrivateHosts: boolean;
  /** Replaces the system resolver (tests). */
  readonly lookup?: LookupAll;
}

// Special-purpose ranges (RFC 6890 and successors): none of them is a public git host, and
// several reach services on the server's own network (cloud metadata at 169.254.169.254).
const INTERNAL_RANGES: readonly (readonly [string, number, 'ipv4' | 'ipv6'])[] = [
  ['0.0.0.0', 8, 'ipv4'],
  ['10.0.0.0', 8, 'ipv4'],
  ['100.64.0.0', 10, 'ipv4'],
  ['127.0.0.0', 8, 'ipv4'],
  ['169.254.0.0', 16, 'ipv4'],
  ['172.16.0.0', 12, 'ipv4'],
  ['192.0.0.0', 24, 'ipv4'],
  ['192.0.2.0', 24, 'ipv4'],
  ['192.168.0.0', 16, 'ipv4'],
  ['198.18.0.0', 15, 'ipv4'],
  ['198.51.100.0', 24, 'ipv4'],
  ['203.0.113.0', 24, 'ipv4'],
  ['224.0.0.0', 4, 'ipv4'],
  ['240.0.0.0', 4, 'ipv4'],
  // ::/96 holds :: and ::1 and the deprecated IPv4-compatible form ::a.b.c.d.
  ['::', 96, 'ipv6'],
  ['64:ff9b:1::', 48, 'ipv6'],
  ['100::', 64, 'ipv6'],
  // Teredo and 6to4 tunnel to an embedded IPv4 address we would otherwise have to decode.
  ['2001::', 32, 'ipv6'],
  ['2001:db8::', 32, 'ipv6'],
  ['2002::', 16, 'ipv6'],
  ['fc00::', 7, 'ipv6'],
  ['fe80::', 10, 'ipv6'],
  ['fec0::', 10, 'ipv6'],
  ['ff00::', 8, 'ipv6'],
];

// BlockList also applies the IPv4 rules to IPv4-mapped IPv6 addresses (::ffff:10.0.0.1).
const internalAddresses = new BlockList();
for (const [network, prefix, family] of INTERNAL_RANGES) {
  internalAddresses.addSubnet(network, prefix, family);
}

/** Whether an IP address is loopback, private, link-local or otherwise not a public host. */
export function isInternalAddress(address: string): boolean {
  const family = isIP(address);
  if (family === 0) {
    return true;
  }
  return internalAddresses.check(address, family === 4 ? 'ipv4' : 'ipv6');
}

/** Checks a git URL without touching the network (the rules every API shares); see checkGitUrlRules. */
export function checkGitUrl(raw: string): URL {
  const checked = checkGitUrlRules(raw);
  if (!checked.ok) {
    refuse(raw, checked.problem);
  }
  return checked.url;
}

/**
 * Refuses a URL whose host is or resolves to an internal address, unless private hosts are
 * allowed. Returns the addresses it checked, so that git can be pinned to them: resolving again
 * later would let a DNS answer that changes in between (rebinding) reach an internal host.
 */
export async function checkGitHost(
  url: URL,
  options: GitHostCheckOptions,
): Promise<readonly string[]> {
  if (options.allowPrivateHosts) {
    return [];
  }
  const host = hostOf(url);
  if (host === 'localhost' || host.endsWith('.localhost')) {
    refuseHost(url, `the git host ${host} is this machine; internal hosts are refused`);
  }
  if (isIP(host) !== 0) {
    if (isInternalAddress(host)) {
      refuseHost(url, `the git host ${host} is an internal address; internal hosts are refused`);
    }
    return [];
  }
  let addresses: readonly { address: string }[];
  try {
    addresses = await (options.lookup ?? lookupAll)(host);
  } catch (error) {
    throw new ServerError('PSRV_SOURCE_FAILED', `could not resolve the git host ${host}`, {
      details: { url: url.href, host, reason: (error as NodeJS.ErrnoException).code ?? 'unknown' },
    });
  }
  if (addresses.length === 0) {
    throw new ServerError('PSRV_SOURCE_FAILED', `could not resolve the git host ${host}`, {
      details: { url: url.href, host },
    });
  }
  const internal = addresses.find(({ address }) => isInternalAddress(address));
  if (internal !== undefined) {
    refuseHost(
      url,
      `the git host ${host} resolves to the internal address ${internal.address}; internal hosts are refused`,
    );
  }
  return addresses.map(({ address }) => address);
}

/** The host name without IPv6 brackets or a trailing root dot. */
export function hostOf(url: URL): string {
  const host = url.hostname.startsWith('[') ? url.hostname.slice(1, -1) : url.hostname;
  return host.endsWith('.') ? host.slice(0, -1) : host;
}

function lookupAll(hostname: string): Promise<readonly { address: string }[]> {
  return lookup(hostname, { all: true, order: 'verbatim' });
}

function refuse(raw: string, message: string): never {
  throw new ServerError('PSRV_GIT_URL_REFUSED', message, { details: { url: reportable(raw) } });
}

function refuseHost(url: URL, message: string): never {
  throw new ServerError('PSRV_GIT_URL_REFUSED', message, {
    details: { url: url.href, host: hostOf(url) },
  });
}

/** The URL as it may appear in a report: without userinfo or control characters, and short. */
function reportable(raw: string): string {
  // Up to the last "@", so that a malformed URL cannot leave part of a password behind.
  const withoutUserinfo = raw.replace(/^([a-z][a-z0-9+.-]*:\/\/).*@/is, '$1***@');
  const printable = withoutUserinfo.replace(
    /[\p{Cc}]/gu,
    (char) => `\\x${char.charCodeAt(0).toString(16).padStart(2, '0')}`,
  );
  return printable.length > 256 ? `${printable.slice(0, 256)}…` : printable;
}
