/**
 * @module What the parts of the plugin manager share: its dependencies and data folder, whether
 * it is shutting down, and the one way a plugin's status changes (recorded, logged, announced).
 */
import type { PluginStatus } from '@plugboard/protocol';
import type { ServerConfig } from '../config.ts';
import type { DataLayout } from '../data-layout.ts';
import type { Engine } from '../engine/engine.ts';
import type { ManagedPlugin } from './managed-plugin.ts';

export interface PluginManagerDeps {
  readonly config: ServerConfig;
  readonly engine: Engine;
  /** Extra environment for every plugin process (the file bridge URL). */
  readonly pluginEnv?: () => Readonly<Record<string, string>>;
  readonly now?: () => number;
  /** Told of a status change the rules do not allow (a bug); tests fail on it. */
  readonly onUnexpectedStatus?: (id: string, from: PluginStatus, to: PluginStatus) => void;
}

export interface ManagerContext {
  readonly deps: PluginManagerDeps;
  readonly dirs: DataLayout;
  /** Whether shutdown has begun: a call, read afresh after every await. */
  closing(): boolean;
  setStatus(plugin: ManagedPlugin, status: PluginStatus, reason?: string): void;
  /** Whether the manager still holds this very record under its id (not uninstalled since). */
  holds(plugin: ManagedPlugin): boolean;
  /**
   * The current version gave up restarting after crashes: true when that is handled by rolling
   * back to the version it replaced (it was made current recently), so no `error` is set.
   */
  crashLooped(plugin: ManagedPlugin, why: string): boolean;
}
