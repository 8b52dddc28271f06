/**
 * @module What a node, hook or ready check receives besides its inputs.
 */
import type { FileHelper } from './files/file-helper.ts';
import type { Logger } from './logger.ts';

/**
 * What every hook receives (a plugin's `validateConfig`, an integration's `ready`, and, extended as
 * {@link ExecutionContext}, a node's `run` and `dynamicConfig`): a logger and a signal that aborts
 * on deadline, cancel or shutdown.
 */
export interface HookContext {
  /** Logs tagged with the node or hook: JSON lines on the plugin process's stderr, `harness.logs` in tests. */
  readonly log: Logger;
  /**
   * Aborts when the caller cancels, the deadline passes, the process shuts down, or the execution
   * ends. Pass it on to fetch and friends.
   */
  readonly signal: AbortSignal;
}

/** What a node's `run` and `dynamicConfig` receive besides their inputs and config. */
export interface ExecutionContext<TCredentials, TPluginConfig> extends HookContext {
  /** The installed plugin's configuration, validated against the plugin's config schema. */
  readonly pluginConfig: TPluginConfig;
  /** Credentials of exactly the integrations this node declares, validated against their schemas. */
  readonly credentials: TCredentials;
  /** When the execution must be done by; `signal` aborts at this moment. */
  readonly deadline: Date;
  /** Read input files and create output files. */
  readonly files: FileHelper;
  /** The workflow run this call belongs to, when the caller named one. */
  readonly runId: string | undefined;
  /** This node's execution within the run, when the caller named one. */
  readonly executionId: string | undefined;
}
