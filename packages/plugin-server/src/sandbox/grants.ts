/**
 * @module What a plugin gets: the resources and permissions its manifest asks for, checked against
 * what the operator grants. A plugin that asks for more than it is granted does not start; one that
 * asks for nothing gets the operator's defaults and nothing beyond the sandbox.
 */
import type { PluginPermissions, PluginResources } from '@plugboard/protocol';
import type { ServerConfig } from '../config.ts';

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

export function decideGrants(
  pluginId: string,
  requested: Requested,
  policy: Policy,
): GrantDecision {
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
  if (network !== false && !policy.allowNetwork.includes(pluginId)) {
    refusals.push(
      `it asks for network access${typeof network === 'object' ? ` to ${network.hosts.join(', ')}` : ''}, which is not granted (add ${pluginId} to PLUGBOARD_SERVER_ALLOW_NETWORK)`,
    );
  }
  const childProcesses = permissions.childProcesses ?? false;
  if (childProcesses && !policy.allowChildProcess.includes(pluginId)) {
    refusals.push(
      `it asks to start child processes, which is not granted (add ${pluginId} to PLUGBOARD_SERVER_ALLOW_CHILD_PROCESS)`,
    );
  }
  const env = permissions.env ?? [];
  const withheld = env.filter((name) => !policy.pluginEnv.includes(name));
  if (withheld.length > 0) {
    refusals.push(
      `it asks for the environment variables ${withheld.join(', ')}, which are not granted (list them in PLUGBOARD_SERVER_PLUGIN_ENV)`,
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
