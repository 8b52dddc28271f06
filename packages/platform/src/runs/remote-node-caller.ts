/**
 * @module How a plugin node runs (a remote node's `call()`): a per-call token scoped to the
 * run for the file bridge, the credentials of only the integrations the node declares, and the
 * deadline, posted to the Plugin Server, which forwards to the plugin process. The plugin's own
 * configuration is not sent: its process holds it, given by the Plugin Server.
 * Cancelling aborts the request, and the abort reaches the node's signal inside the plugin.
 */
import type { NodeCall, RemoteNodeCaller } from '../nodes/node-definition.ts';
import { NodeFailure } from '../nodes/node-definition.ts';
import type { PluginServerClient } from '../plugin-server/plugin-server-client.ts';
import { whileDatabaseAway } from './database-watch.ts';

export interface RemoteCallDeps {
  readonly pluginServer: PluginServerClient;
  readonly credentials: (request: {
    pluginId: string;
    integrations: readonly string[];
    chosen: Readonly<Record<string, string>> | undefined;
  }) => Promise<Record<string, Record<string, unknown>>>;
  readonly mintCallToken: (scope: {
    runId: string;
    nodeId: string;
    pluginId: string;
    timeoutMs: number;
  }) => string;
}

/**
 * One caller serves one registry, and the worker builds a registry per run: credentials are read
 * once per run (and stay the same for all of its nodes).
 */
export function createRemoteNodeCaller(deps: RemoteCallDeps): RemoteNodeCaller {
  const credentialSets = new Map<string, Promise<Record<string, Record<string, unknown>>>>();
  const once = <T>(cache: Map<string, Promise<T>>, key: string, load: () => Promise<T>) => {
    let value = cache.get(key);
    if (value === undefined) {
      value = load();
      cache.set(key, value);
      // A failed read is not kept: the next node tries again.
      value.catch(() => cache.delete(key));
    }
    return value;
  };
  return {
    async call(target, call: NodeCall) {
      const callToken = deps.mintCallToken({
        runId: call.runId,
        nodeId: call.nodeId,
        pluginId: target.pluginId,
        timeoutMs: call.timeoutMs,
      });
      // Nothing was sent yet: a database that is away is waited for, within the node's deadline.
      const credentials = await whileDatabaseAway(
        () =>
          once(
            credentialSets,
            JSON.stringify([target.pluginId, target.integrations, call.credentials ?? {}]),
            () =>
              deps.credentials({
                pluginId: target.pluginId,
                integrations: target.integrations,
                chosen: call.credentials,
              }),
          ),
        call.signal,
      );
      const outcome = await deps.pluginServer.execute({
        pluginId: target.pluginId,
        version: target.version,
        node: target.node,
        timeoutMs: call.timeoutMs,
        signal: call.signal,
        body: {
          inputs: call.inputs,
          config: call.config,
          context: {
            credentials,
            callToken,
            runId: call.runId,
            executionId: `${call.runId}/${call.nodeId}`,
            timeoutMs: call.timeoutMs,
          },
        },
      });
      if (outcome.ok) {
        return outcome.outputs;
      }
      const { failure } = outcome;
      throw new NodeFailure({
        code: failure.code,
        kind: failure.kind,
        message: failure.message,
        retryable: failure.retryable,
        ...(failure.details === undefined ? {} : { details: failure.details }),
      });
    },
  };
}
