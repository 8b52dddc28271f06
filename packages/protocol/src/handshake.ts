/**
 * @module The one line a plugin process prints on stdout once it listens.
 *
 * Two forms, pipe-separated like go-plugin's handshake so they can be read without a JSON parser
 * and checked field by field:
 * - version 1, a loopback TCP port: `PLUGBOARD_PLUGIN|1|127.0.0.1|<port>`;
 * - version 2, a Unix socket (a sandboxed plugin has no network): `PLUGBOARD_PLUGIN|2|unix|<path>`,
 *   where the path is the one the Plugin Server gave the process to listen on.
 */
import { SUPPORTED_PROTOCOL_VERSIONS } from './protocol-version.ts';

export const HANDSHAKE_MARKER = 'PLUGBOARD_PLUGIN';

/** A reader stops after this many bytes without a newline: a real handshake is under 150 bytes. */
export const HANDSHAKE_MAX_BYTES = 256;

/** Plugin processes bind loopback only; a handshake naming any other host is refused. */
export const PLUGIN_HOST = '127.0.0.1';

/** The handshake version that announces a Unix socket instead of a TCP port. */
export const UNIX_SOCKET_HANDSHAKE_VERSION = 2;

/** Longest socket path the handshake carries (Linux's sun_path holds 107 bytes and a NUL). */
const MAX_SOCKET_PATH = 107;

export type Handshake =
  | {
      readonly transport: 'tcp';
      readonly protocolVersion: number;
      readonly host: string;
      readonly port: number;
    }
  | { readonly transport: 'unix'; readonly protocolVersion: number; readonly socketPath: string };

export type HandshakeParseResult =
  | { readonly ok: true; readonly handshake: Handshake }
  | { readonly ok: false; readonly reason: string };

export function formatHandshake(handshake: Handshake): string {
  const where =
    handshake.transport === 'unix'
      ? `unix|${handshake.socketPath}`
      : `${handshake.host}|${String(handshake.port)}`;
  return `${HANDSHAKE_MARKER}|${String(handshake.protocolVersion)}|${where}\n`;
}

/** Parses one handshake line (without its newline) and says exactly what is wrong with a bad one. */
export function parseHandshake(line: string): HandshakeParseResult {
  const fields = line.trimEnd().split('|');
  if (fields.length !== 4 || fields[0] !== HANDSHAKE_MARKER) {
    return {
      ok: false,
      reason: `expected "${HANDSHAKE_MARKER}|<version>|<host>|<port>" (or "${HANDSHAKE_MARKER}|2|unix|<socket path>") as the first stdout line, got ${JSON.stringify(line.slice(0, 80))}`,
    };
  }
  const [, versionText = '', host = '', where = ''] = fields;
  const protocolVersion = Number(versionText);
  if (
    !Number.isInteger(protocolVersion) ||
    !SUPPORTED_PROTOCOL_VERSIONS.includes(protocolVersion)
  ) {
    return {
      ok: false,
      reason: `protocol version ${JSON.stringify(versionText)} is not supported (supported: ${SUPPORTED_PROTOCOL_VERSIONS.join(', ')}); upgrade the plugin's SDK or the Plugin Server`,
    };
  }
  if (protocolVersion === UNIX_SOCKET_HANDSHAKE_VERSION) {
    if (host !== 'unix' || !where.startsWith('/') || where.length > MAX_SOCKET_PATH) {
      return {
        ok: false,
        reason: `a version ${String(UNIX_SOCKET_HANDSHAKE_VERSION)} handshake announces "unix|<absolute socket path>", got ${JSON.stringify(`${host}|${where}`.slice(0, 120))}`,
      };
    }
    return { ok: true, handshake: { transport: 'unix', protocolVersion, socketPath: where } };
  }
  if (host !== PLUGIN_HOST) {
    return {
      ok: false,
      reason: `plugin announced host ${JSON.stringify(host)}; only ${PLUGIN_HOST} is allowed`,
    };
  }
  const port = Number(where);
  if (!/^\d{1,5}$/.test(where) || port < 1 || port > 65535) {
    return { ok: false, reason: `plugin announced an invalid port ${JSON.stringify(where)}` };
  }
  return { ok: true, handshake: { transport: 'tcp', protocolVersion, host, port } };
}
