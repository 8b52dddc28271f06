/**
 * @module The one line a plugin process prints on stdout once it listens.
 *
 * Format: `PLUGBOARD_PLUGIN|<protocol version>|<host>|<port>`. Pipe-separated like go-plugin's
 * handshake so it can be read without a JSON parser and checked field by field.
 */
import { SUPPORTED_PROTOCOL_VERSIONS } from './protocol-version.ts';

export const HANDSHAKE_MARKER = 'PLUGBOARD_PLUGIN';

/** A reader stops after this many bytes without a newline: a real handshake is ~40 bytes. */
export const HANDSHAKE_MAX_BYTES = 256;

/** Plugin processes bind loopback only; a handshake naming any other host is refused. */
export const PLUGIN_HOST = '127.0.0.1';

export interface Handshake {
  readonly protocolVersion: number;
  readonly host: string;
  readonly port: number;
}

export type HandshakeParseResult =
  | { readonly ok: true; readonly handshake: Handshake }
  | { readonly ok: false; readonly reason: string };

export function formatHandshake(handshake: Handshake): string {
  return `${HANDSHAKE_MARKER}|${String(handshake.protocolVersion)}|${handshake.host}|${String(handshake.port)}\n`;
}

/** Parses one handshake line (without its newline) and says exactly what is wrong with a bad one. */
export function parseHandshake(line: string): HandshakeParseResult {
  const fields = line.trimEnd().split('|');
  if (fields.length !== 4 || fields[0] !== HANDSHAKE_MARKER) {
    return {
      ok: false,
      reason: `expected "${HANDSHAKE_MARKER}|<version>|<host>|<port>" as the first stdout line, got ${JSON.stringify(line.slice(0, 80))}`,
    };
  }
  const [, versionText = '', host = '', portText = ''] = fields;
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
  if (host !== PLUGIN_HOST) {
    return {
      ok: false,
      reason: `plugin announced host ${JSON.stringify(host)}; only ${PLUGIN_HOST} is allowed`,
    };
  }
  const port = Number(portText);
  if (!/^\d{1,5}$/.test(portText) || port < 1 || port > 65535) {
    return { ok: false, reason: `plugin announced an invalid port ${JSON.stringify(portText)}` };
  }
  return { ok: true, handshake: { protocolVersion, host, port } };
}
