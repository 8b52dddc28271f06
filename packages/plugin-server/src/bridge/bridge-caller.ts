/**
 * @module Who is calling the file bridge: a running plugin process (its launch token) on behalf of
 * one execution (the per-call token the platform minted for it).
 */
import type { IncomingHttpHeaders } from 'node:http';
import { FILE_BRIDGE_HEADERS, PLUGIN_ENV } from '@plugboard/protocol';
import { ServerError } from '../errors.ts';
import type { PluginManager } from '../plugins/plugin-manager.ts';

export interface BridgeCaller {
  readonly pluginId: string;
  /** Passed to the platform unchanged: the platform, not this server, decides what it reaches. */
  readonly callToken: string;
}

export function identifyCaller(manager: PluginManager, headers: IncomingHttpHeaders): BridgeCaller {
  const authorization = headers.authorization;
  const launchToken =
    authorization?.startsWith('Bearer ') === true ? authorization.slice('Bearer '.length) : '';
  // The API keys are deliberately not accepted: an API client has no business reading run files.
  const plugin = launchToken === '' ? undefined : manager.findByLaunchToken(launchToken);
  if (plugin === undefined) {
    throw new ServerError(
      'PSRV_UNAUTHORIZED',
      `the file bridge serves running plugin processes only; send "Authorization: Bearer <launch token>" with the process's ${PLUGIN_ENV.token.name}`,
    );
  }
  const callToken = headers[FILE_BRIDGE_HEADERS.callToken];
  if (typeof callToken !== 'string' || callToken === '') {
    throw new ServerError(
      'PSRV_UNAUTHORIZED',
      `a file bridge call needs the execution's per-call token (context.callToken) in ${FILE_BRIDGE_HEADERS.callToken}`,
    );
  }
  return { pluginId: plugin.id, callToken };
}
