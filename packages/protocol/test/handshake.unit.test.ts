import { describe, expect, it } from 'vitest';
import {
  HANDSHAKE_MAX_BYTES,
  PROTOCOL_VERSION,
  formatHandshake,
  parseHandshake,
} from '../src/index.ts';

describe('handshake', () => {
  it('round-trips and fits well inside the byte limit', () => {
    const line = formatHandshake({
      transport: 'tcp',
      protocolVersion: PROTOCOL_VERSION,
      host: '127.0.0.1',
      port: 65535,
    });
    expect(line.endsWith('\n')).toBe(true);
    expect(Buffer.byteLength(line)).toBeLessThan(HANDSHAKE_MAX_BYTES);
    expect(parseHandshake(line.trimEnd())).toEqual({
      ok: true,
      handshake: { transport: 'tcp', protocolVersion: 1, host: '127.0.0.1', port: 65535 },
    });
  });

  it('round-trips a version 2 handshake naming a Unix socket', () => {
    const line = formatHandshake({
      transport: 'unix',
      protocolVersion: 2,
      socketPath: '/run/plugboard/plugin/plugin.sock',
    });
    expect(parseHandshake(line.trimEnd())).toEqual({
      ok: true,
      handshake: {
        transport: 'unix',
        protocolVersion: 2,
        socketPath: '/run/plugboard/plugin/plugin.sock',
      },
    });
  });

  it.each([
    ['PLUGBOARD_PLUGIN|2|127.0.0.1|4000', 'announces "unix|<absolute socket path>"'],
    ['PLUGBOARD_PLUGIN|2|unix|relative.sock', 'announces "unix|<absolute socket path>"'],
    [`PLUGBOARD_PLUGIN|2|unix|/${'a'.repeat(120)}`, 'announces "unix|<absolute socket path>"'],
    ['garbage', 'expected "PLUGBOARD_PLUGIN|<version>|<host>|<port>"'],
    ['PLUGBOARD_PLUGIN|1|127.0.0.1', 'expected'],
    ['PLUGBOARD_PLUGIN|99|127.0.0.1|4000', 'protocol version "99" is not supported'],
    ['PLUGBOARD_PLUGIN|1|0.0.0.0|4000', 'only 127.0.0.1 is allowed'],
    ['PLUGBOARD_PLUGIN|1|example.com|4000', 'only 127.0.0.1 is allowed'],
    ['PLUGBOARD_PLUGIN|1|127.0.0.1|0', 'invalid port'],
    ['PLUGBOARD_PLUGIN|1|127.0.0.1|70000', 'invalid port'],
    ['PLUGBOARD_PLUGIN|1|127.0.0.1|80a', 'invalid port'],
  ])('rejects %j with a reason', (line, reason) => {
    const result = parseHandshake(line);
    expect(result.ok).toBe(false);
    expect(result.ok ? '' : result.reason).toContain(reason);
  });
});
