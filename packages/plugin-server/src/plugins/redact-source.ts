/**
 * @module A source as it may be shown or stored: a git token never leaves the install request.
 */
import type { PluginSource } from '@plugboard/server-api';

export function redactSource(source: PluginSource): Record<string, unknown> {
  return Object.fromEntries(
    Object.entries(source).map(([key, value]) => [key, key === 'token' ? '[redacted]' : value]),
  );
}
