/**
 * @module Turns every status change of the manager into a status webhook: the manifest with
 * `running` and `missing_config` (the platform registers the nodes from it) with what confines the
 * process, the reason and log tail with `error`.
 */
import type { PluginManager, StatusChange } from '../plugins/plugin-manager.ts';
import type { StatusEvent } from '@plugboard/server-api';
import type { StatusOutbox } from './status-outbox.ts';

export interface StatusPublisher {
  /**
   * Sends every plugin's current status again, as new events: for a platform that may have
   * missed some (restored from a backup, or refused one for good). Answers how many were sent.
   */
  resync(): number;
}

export function publishStatusChanges(
  manager: PluginManager,
  outbox: StatusOutbox,
  onError: (change: StatusChange, error: unknown) => void,
): StatusPublisher {
  const publish = (change: StatusChange): void => {
    outbox.publish(toEvent(manager, change)).catch((error: unknown) => {
      onError(change, error);
    });
  };
  manager.on('status', publish);
  return {
    resync() {
      const plugins = manager.list();
      for (const plugin of plugins) {
        publish({ id: plugin.id, status: plugin.status, reason: plugin.reason });
      }
      return plugins.length;
    },
  };
}

function toEvent(
  manager: PluginManager,
  change: StatusChange,
): Omit<StatusEvent, 'sequence' | 'epoch'> {
  const plugin = manager.get(change.id);
  const view = plugin?.view();
  return {
    type: 'plugin.status',
    pluginId: change.id,
    status: change.status,
    occurredAt: new Date().toISOString(),
    ...(view?.version === undefined ? {} : { version: view.version }),
    ...(change.reason === undefined ? {} : { reason: change.reason }),
    ...(view === undefined ? {} : { restarts: view.restarts }),
    // With missing_config too: the platform needs the config schema to ask for what is missing.
    ...((change.status === 'running' || change.status === 'missing_config') &&
    plugin?.running !== undefined
      ? {
          manifest: plugin.running.manifest,
          sandbox: {
            confined: [...plugin.running.process.sandbox.confined],
            missing: [...plugin.running.process.sandbox.missing],
          },
        }
      : {}),
    ...(plugin === undefined || plugin.versions.length === 0
      ? {}
      : { versions: plugin.installedVersions() }),
    ...(change.status === 'error' && view?.lastError?.logTail !== undefined
      ? { logTail: view.lastError.logTail }
      : {}),
  };
}
