/**
 * @module createTestHarness: run a plugin's nodes and hooks in-process, through the same dispatcher
 * the plugin process uses, with in-memory files and recorded logs.
 */
import type { z } from 'zod';
import type {
  IntegrationReadyResponse,
  NodeConfigResponse,
  ValidateConfigResponse,
} from '@plugboard/protocol';
import type { AnyNode } from '../define-node.ts';
import type { Plugin } from '../define-plugin.ts';
import { createDispatcher } from '../dispatch/dispatcher.ts';
import { createMemoryFileStore, type MemoryFileStore } from '../files/memory-file-transport.ts';
import { createMemoryLogger, type LogEntry } from './memory-logger.ts';

/** The second argument of createTestHarness: what every call receives unless it says otherwise. */
export interface TestHarnessOptions {
  /** The plugin config every call receives. @default {} */
  readonly pluginConfig?: Record<string, unknown>;
  /** Credentials by integration name; each node still receives only those it declares. */
  readonly credentials?: Record<string, Record<string, unknown>>;
  /** Deadline for each call. @default 10_000 */
  readonly timeoutMs?: number;
}

/** The options of one harness call; each one given replaces the harness's own for this call. */
export interface CallOptions {
  /** The node's config, as a workflow would set it (parsed by the node's config schema). @default {} */
  readonly config?: Record<string, unknown>;
  /** Aborting it cancels the call, as a caller that hangs up does. */
  readonly signal?: AbortSignal;
  /** Deadline for this call, in milliseconds. */
  readonly timeoutMs?: number;
  /** The plugin config for this call. */
  readonly pluginConfig?: Record<string, unknown>;
  /** Credentials for this call, by integration name. */
  readonly credentials?: Record<string, Record<string, unknown>>;
}

/**
 * What createTestHarness returns: calls into a plugin as the Plugin Server makes them, answered
 * by the same code as in a plugin process (inputs, config and outputs checked by their schemas).
 */
export interface TestHarness {
  /** Files for inputs (`harness.files.add`) and the files nodes created (`harness.files.read`). */
  readonly files: MemoryFileStore;
  /** Every line the plugin logged so far, oldest first. */
  readonly logs: LogEntry[];
  /**
   * Runs a node given as its object, so inputs and outputs are typed by its schemas. A failure
   * rejects with a PluginFailure: the error the plugin process would answer.
   */
  execute<TNode extends AnyNode>(
    node: TNode,
    inputs: z.input<TNode['inputs']>,
    options?: CallOptions,
  ): Promise<z.output<TNode['outputs']>>;
  /** Runs a node given by name, inputs and outputs untyped; failures as above. */
  execute(
    node: string,
    inputs: Record<string, unknown>,
    options?: CallOptions,
  ): Promise<Record<string, unknown>>;
  /**
   * Runs a node's `dynamicConfig` hook for a config filled in so far; a node without one answers
   * `{ fields: {}, ready: true }`.
   */
  nodeConfig(
    node: AnyNode | string,
    config?: Record<string, unknown>,
    options?: CallOptions,
  ): Promise<NodeConfigResponse>;
  /** Checks a plugin config against the config schema, then the plugin's `validateConfig`. */
  validateConfig(config: Record<string, unknown>): Promise<ValidateConfigResponse>;
  /** Checks credentials against an integration's schema, then runs its `ready` check. */
  integrationReady(
    name: string,
    credentials: Record<string, unknown>,
  ): Promise<IntegrationReadyResponse>;
}

/**
 * Makes a harness that runs the plugin's nodes and hooks in this process, with files in memory
 * and logs recorded: no server, no Plugin Server, nothing to install.
 */
export function createTestHarness(plugin: Plugin, options: TestHarnessOptions = {}): TestHarness {
  const files = createMemoryFileStore();
  const logs: LogEntry[] = [];
  const dispatcher = createDispatcher(plugin, {
    files,
    logger: (bindings) => createMemoryLogger(logs, bindings),
    maxConcurrency: Number.MAX_SAFE_INTEGER,
    defaultTimeoutMs: options.timeoutMs ?? 10_000,
  });
  const pluginConfig = (call: CallOptions) => call.pluginConfig ?? options.pluginConfig ?? {};
  const context = (call: CallOptions) => ({
    credentials: call.credentials ?? options.credentials ?? {},
    callToken: 'test-harness',
    runId: 'test-run',
    executionId: 'test-execution',
    timeoutMs: call.timeoutMs ?? options.timeoutMs ?? 10_000,
  });
  const nameOf = (node: AnyNode | string): string => (typeof node === 'string' ? node : node.name);
  const signalOf = (call: CallOptions): AbortSignal => call.signal ?? new AbortController().signal;

  return {
    files,
    logs,
    async execute(node: AnyNode | string, inputs: unknown, call: CallOptions = {}) {
      const body = { inputs, config: call.config ?? {}, context: context(call) };
      const { outputs } = await dispatcher.execute(nameOf(node), body, {
        signal: signalOf(call),
        pluginConfig: pluginConfig(call),
      });
      return outputs as never;
    },
    nodeConfig: (node, config = {}, call = {}) =>
      dispatcher.nodeConfig(
        nameOf(node),
        { config, context: context(call) },
        { signal: signalOf(call), pluginConfig: pluginConfig(call) },
      ),
    validateConfig: (config) => dispatcher.validateConfig({ config }, new AbortController().signal),
    integrationReady: (name, credentials) =>
      dispatcher.integrationReady(name, { credentials }, new AbortController().signal),
  };
}
