/**
 * @module Where a started plugin is reached: the endpoint its handshake names (a loopback port, or
 * the socket its sandbox gave it), and its pid on the host when bubblewrap runs it.
 */
import { readFile } from 'node:fs/promises';
import { Readable } from 'node:stream';
import type { Handshake } from '@plugboard/protocol';

/** bubblewrap writes `{"child-pid": N}` on its info fd: the host pid of the sandbox's pid 1. */
export async function readInitPid(stream: unknown): Promise<number | undefined> {
  if (!(stream instanceof Readable)) {
    return undefined;
  }
  let text = '';
  for await (const chunk of stream) {
    text += String(chunk);
    if (text.includes('}') || text.length > 4096) {
      break;
    }
  }
  const pid = (JSON.parse(text || '{}') as { 'child-pid'?: unknown })['child-pid'];
  return typeof pid === 'number' && Number.isInteger(pid) ? pid : undefined;
}

/** The plugin is the one child of the sandbox's pid 1 (read once it has announced itself). */
export async function pluginPidUnder(init: number): Promise<number> {
  const children = await readFile(`/proc/${String(init)}/task/${String(init)}/children`, 'utf8')
    .then((list) => list.trim().split(/\s+/).map(Number))
    .catch(() => []);
  return children.find((pid) => Number.isInteger(pid) && pid > 0) ?? init;
}

export type Endpoint =
  | {
      readonly ok: true;
      readonly url: string;
      readonly port: number | undefined;
      readonly socketPath: string | undefined;
      readonly where: string;
    }
  | { readonly ok: false; readonly reason: string; readonly code: string };

/** Where the server reaches the plugin; a socket must be the one the sandbox gave it. */
export function endpointOf(handshake: Handshake, socket: string | undefined): Endpoint {
  if (handshake.transport === 'tcp') {
    if (socket !== undefined) {
      return {
        ok: false,
        code: 'handshake_invalid',
        reason: `the plugin announced a TCP port, but it runs without a network and must listen on ${socket} (its SDK is too old for the sandbox: upgrade it)`,
      };
    }
    return {
      ok: true,
      url: `http://${handshake.host}:${String(handshake.port)}`,
      port: handshake.port,
      socketPath: undefined,
      where: `${handshake.host}:${String(handshake.port)}`,
    };
  }
  if (socket !== handshake.socketPath) {
    return {
      ok: false,
      code: 'handshake_invalid',
      reason: `the plugin announced the socket ${handshake.socketPath}, not the one it was given (${socket ?? 'none: it should listen on a TCP port'})`,
    };
  }
  // The path is known once the sandbox has claimed the socket (see PreparedLaunch.claimSocket).
  return { ok: true, url: 'http://plugin', port: undefined, socketPath: socket, where: socket };
}
