/**
 * @module What a node, hook or ready check receives besides its inputs.
 */
import type { FileHelper } from './files/file-helper.ts';
import type { Logger } from './logger.ts';

/** Given to every hook: a logger and a signal that aborts on deadline, cancel or shutdown. */
export interface HookContext {
  readonly log: Logger;
  /**
   * Aborts when the caller cancels, the deadline passes, the process shuts down, or the execution
   * ends. Pass it on to fetch and friends.
   */
  readonly signal: AbortSignal;
}

/** Given to `run` and the dynamic-config hook. */
export interface ExecutionContext<TCredentials, TPluginConfig> extends HookContext {
  /** The installed plugin's configuration, validated against the plugin's config schema. */
  readonly pluginConfig: TPluginConfig;
  /** Credentials of exactly the integrations this node declares, validated against their schemas. */
  readonly credentials: TCredentials;
  /** When the execution must be done by; `signal` aborts at this moment. */
  readonly deadline: Date;
  /** Read input files and create output files. */
  readonly files: FileHelper;
  readonly runId: string | undefined;
  readonly executionId: string | undefined;
}
