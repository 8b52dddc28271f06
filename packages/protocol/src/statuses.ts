/**
 * @module The seven plugin statuses and the one table of their rules: what each means, whether a
 * plugin is passing through it (a call waits for it to end) or has settled there, and which
 * statuses it can move to. The Plugin Server, its reconciler, the platform and the clients read
 * these rules here; the reference's state diagram is drawn from the table.
 */
import { z } from 'zod';

export const PLUGIN_STATUSES = [
  'installing',
  'running',
  'missing_config',
  'restarting',
  'error',
  'uninstalling',
  'uninstalled',
] as const;
export const pluginStatusSchema = z.enum(PLUGIN_STATUSES);
export type PluginStatus = z.infer<typeof pluginStatusSchema>;

export interface StatusRule {
  readonly meaning: string;
  /** On its way to another status by itself: a call to the plugin waits for it within its deadline. */
  readonly passing: boolean;
  /** Where an operation ends (what `plugins install` waits for). */
  readonly settled: boolean;
  /** Removed or being removed: nothing but an install acts on it. */
  readonly gone: boolean;
  /** The statuses it can move to, and on what. */
  readonly next: Readonly<Partial<Record<PluginStatus, string>>>;
}

export const PLUGIN_STATUS_RULES = {
  installing: {
    meaning: 'fetching, validating, installing dependencies and starting a version',
    passing: true,
    settled: false,
    gone: false,
    next: {
      installing: 'another install, queued behind this one',
      restarting: 'found installed when the Plugin Server starts',
      running: 'started, configuration accepted (or the old version keeps serving)',
      missing_config: 'started, configuration refused',
      error: 'install failed, or not granted',
      uninstalling: 'uninstall',
    },
  },
  running: {
    meaning: 'serving calls',
    passing: false,
    settled: true,
    gone: false,
    next: {
      running: 'configured again, or an update failed and this version keeps serving',
      missing_config: 'configuration refused',
      restarting: 'crash, restart, overdue call, stuck code, grant shrank, new config not taken',
      installing: 'update',
      uninstalling: 'uninstall',
    },
  },
  missing_config: {
    meaning: 'started, but its nodes wait for a configuration the plugin accepts',
    passing: false,
    settled: true,
    gone: false,
    next: {
      running: 'configuration accepted',
      missing_config: 'configured again, still refused',
      restarting: 'crash, restart, new config not taken',
      installing: 'update',
      uninstalling: 'uninstall',
    },
  },
  restarting: {
    meaning: 'its process is being (re)started',
    passing: true,
    settled: false,
    gone: false,
    next: {
      running: 'started',
      missing_config: 'started, configuration refused',
      restarting: 'crashed again, backing off',
      error: 'crash loop, or not granted',
      installing: 'update',
      uninstalling: 'uninstall',
    },
  },
  error: {
    meaning: 'not running, for the reason given, until someone acts',
    passing: false,
    settled: true,
    gone: false,
    next: {
      installing: 'install again',
      restarting: 'restart, or the grant arrives',
      error: 'failed again',
      uninstalling: 'uninstall',
    },
  },
  uninstalling: {
    meaning: 'its process stopping and its files going',
    passing: false,
    settled: false,
    gone: true,
    next: { uninstalled: 'removed' },
  },
  uninstalled: {
    meaning: 'gone from the Plugin Server',
    passing: false,
    settled: true,
    gone: true,
    next: { installing: 'install again' },
  },
} as const satisfies Record<PluginStatus, StatusRule>;

/** Whether the rules allow a plugin to move from one status to another. */
export function canMoveTo(from: PluginStatus, to: PluginStatus): boolean {
  const next: Readonly<Partial<Record<PluginStatus, string>>> = PLUGIN_STATUS_RULES[from].next;
  return next[to] !== undefined;
}

/** The statuses an operation ends in. */
export const SETTLED_STATUSES: readonly PluginStatus[] = PLUGIN_STATUSES.filter(
  (status) => PLUGIN_STATUS_RULES[status].settled,
);
