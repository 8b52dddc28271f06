/**
 * @module Reads a plugin process's handshake: the first stdout line, bounded in bytes and time.
 */
import type { Readable } from 'node:stream';
import { HANDSHAKE_MAX_BYTES, parseHandshake, type Handshake } from '@plugboard/protocol';

export type HandshakeOutcome =
  | { readonly ok: true; readonly handshake: Handshake; readonly rest: Buffer }
  | {
      readonly ok: false;
      readonly reason: string;
      readonly code: 'handshake_timeout' | 'handshake_invalid' | 'exited_before_handshake';
    };

/**
 * Resolves with the parsed handshake, or with why there is none: a timeout, a line that is not a
 * handshake (with a truncated sample), too many bytes without a newline, or the process exiting.
 * Bytes after the newline are handed back so the log drain loses nothing.
 */
export function readHandshake(
  stdout: Readable,
  exited: Promise<string>,
  timeoutMs: number,
): Promise<HandshakeOutcome> {
  return new Promise((resolve) => {
    let buffered = Buffer.alloc(0);
    let settled = false;
    const finish = (outcome: HandshakeOutcome): void => {
      if (settled) {
        return;
      }
      settled = true;
      clearTimeout(timer);
      stdout.off('data', onData);
      resolve(outcome);
    };
    const onData = (chunk: Buffer): void => {
      buffered = Buffer.concat([buffered, chunk]);
      const newline = buffered.indexOf(0x0a);
      if (newline === -1) {
        if (buffered.length > HANDSHAKE_MAX_BYTES) {
          finish({
            ok: false,
            code: 'handshake_invalid',
            reason: `the plugin wrote ${String(buffered.length)} bytes to stdout without a newline before its handshake (limit ${String(HANDSHAKE_MAX_BYTES)}); sample: ${JSON.stringify(buffered.subarray(0, 80).toString('utf8'))}`,
          });
        }
        return;
      }
      const line = buffered.subarray(0, newline).toString('utf8');
      const parsed = parseHandshake(line);
      finish(
        parsed.ok
          ? { ok: true, handshake: parsed.handshake, rest: buffered.subarray(newline + 1) }
          : {
              ok: false,
              code: 'handshake_invalid',
              reason: `unrecognised handshake: ${parsed.reason}`,
            },
      );
    };
    const timer = setTimeout(() => {
      finish({
        ok: false,
        code: 'handshake_timeout',
        reason: `no handshake within ${String(timeoutMs)} ms`,
      });
    }, timeoutMs);
    stdout.on('data', onData);
    void exited.then((how) => {
      finish({
        ok: false,
        code: 'exited_before_handshake',
        reason: `the plugin process ${how} before its handshake`,
      });
    });
  });
}
