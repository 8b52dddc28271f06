/**
 * @module What a plugin gets: the resources and permissions its manifest asks for, checked against
 * what the operator grants (this server's settings, and the plugin's grant from the platform). A
 * plugin that asks for more than it is granted does not start; one that asks for nothing gets the
 * operator's defaults and nothing beyond the sandbox.
 */
import type { PluginPermissions, PluginResources } from '@plugboard/protocol';
import { networkCovered, type PluginGrant } from '@plugboard/server-api';
import type { ServerConfig } from '../config.ts';
import { ServerError } from '../errors.ts';

export interface Grants {
  readonly memoryMiB: number;
  readonly cpus: number;
  readonly processes: number;
  readonly openFiles: number;
  readonly scratchMiB: number;
  /** false: no network at all; true: any public host; a list: only those hosts. */
  readonly network: boolean | { readonly hosts: readonly string[] };
  readonly childProcesses: boolean;
  /** Host variables the plugin receives. */
  readonly env: readonly string[];
}

export interface Requested {
  readonly resources?: PluginResources | undefined;
  readonly permissions?: PluginPermissions | undefined;
}

export type GrantDecision =
  | { readonly ok: true; readonly grants: Grants }
  | { readonly ok: false; readonly refusals: readonly string[] };

type Policy = Pick<ServerConfig, 'sandbox' | 'allowChildProcess' | 'allowNetwork' | 'pluginEnv'>;

/** One plugin version: its id, what its manifest asks for, what the platform's operator granted. */
export interface GrantRequest {
  readonly pluginId: string;
  readonly requested: Requested;
  readonly grant: PluginGrant;
}

export function decideGrants(request: GrantRequest, policy: Policy): GrantDecision {
  const { pluginId, requested, grant: granted } = request;
  const { sandbox } = policy;
  const refusals: string[] = [];
  const resources = requested.resources ?? {};
  const permissions = requested.permissions ?? {};
  const capped = (limit: {
    asked: number | undefined;
    fallback: number;
    max: number;
    what: string;
    setting: string;
  }): number => {
    if (limit.asked !== undefined && limit.asked > limit.max) {
      refusals.push(
        `it asks for ${String(limit.asked)} ${limit.what}, above the operator's maximum of ${String(limit.max)} (${limit.setting})`,
      );
    }
    return Math.max(limit.asked ?? limit.fallback, limit.fallback);
  };
  const memoryMiB = capped({
    asked: resources.memoryMiB,
    fallback: sandbox.memoryMiB,
    max: sandbox.maxMemoryMiB,
    what: 'MiB of memory',
    setting: 'PLUGBOARD_SERVER_PLUGIN_MAX_MEMORY_MIB',
  });
  const cpus = capped({
    asked: resources.cpus,
    fallback: sandbox.cpus,
    max: sandbox.maxCpus,
    what: 'CPU cores',
    setting: 'PLUGBOARD_SERVER_PLUGIN_MAX_CPUS',
  });
  const processes = capped({
    asked: resources.processes,
    fallback: sandbox.processes,
    max: sandbox.maxProcesses,
    what: 'processes',
    setting: 'PLUGBOARD_SERVER_PLUGIN_MAX_PROCESSES',
  });
  const network = permissions.network ?? false;
  if (!policy.allowNetwork.includes(pluginId) && !networkCovered(network, granted.network)) {
    const wanted = typeof network === 'object' ? ` to ${network.hosts.join(', ')}` : '';
    const flag = typeof network === 'object' ? `--hosts ${network.hosts.join(',')}` : '--network';
    refusals.push(
      `it asks for network access${wanted}, which is not granted (grant it with \`plugboard plugins grant ${pluginId} ${flag}\`, or add ${pluginId} to PLUGBOARD_SERVER_ALLOW_NETWORK)`,
    );
  }
  const childProcesses = permissions.childProcesses ?? false;
  if (
    childProcesses &&
    !policy.allowChildProcess.includes(pluginId) &&
    granted.childProcesses !== true
  ) {
    refusals.push(
      `it asks to start child processes, which is not granted (grant it with \`plugboard plugins grant ${pluginId} --child-processes\`, or add ${pluginId} to PLUGBOARD_SERVER_ALLOW_CHILD_PROCESS)`,
    );
  }
  const env = permissions.env ?? [];
  const withheld = env.filter((name) => !policy.pluginEnv.includes(name));
  if (withheld.length > 0) {
    refusals.push(
      `it asks for the environment variables ${withheld.join(', ')}, which are not granted (list them in the Plugin Server's PLUGBOARD_SERVER_PLUGIN_ENV)`,
    );
  }
  if (refusals.length > 0) {
    return { ok: false, refusals };
  }
  return {
    ok: true,
    grants: {
      memoryMiB,
      cpus,
      processes,
      openFiles: sandbox.openFiles,
      scratchMiB: sandbox.scratchMiB,
      network,
      childProcesses,
      env,
    },
  };
}

/** The grants, or PSRV_NOT_GRANTED naming everything the plugin asks for beyond them. */
export function requireGrants(request: GrantRequest, policy: Policy): Grants {
  const decision = decideGrants(request, policy);
  if (!decision.ok) {
    throw new ServerError(
      'PSRV_NOT_GRANTED',
      `plugin ${request.pluginId} is not started: ${decision.refusals.join('; ')}`,
      { details: { refusals: decision.refusals } },
    );
  }
  return decision.grants;
}
