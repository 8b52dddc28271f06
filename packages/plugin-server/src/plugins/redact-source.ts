/**
 * @module A source as it may be shown or stored: a git token never leaves the install request.
 */
import type { PluginSource } from '../sources/plugin-source.ts';

export function redactSource(source: PluginSource): Record<string, unknown> {
  if (source.type === 'git' && source.token !== undefined) {
    const { token: _token, ...rest } = source;
    return { ...rest, token: '[redacted]' };
  }
  return { ...source };
}
