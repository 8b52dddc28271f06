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

export interface TestHarnessOptions {
  /** The plugin config every call receives. @default {} */
  readonly pluginConfig?: Record<string, unknown>;
  /** Credentials by integration name; each node still receives only those it declares. */
  readonly credentials?: Record<string, Record<string, unknown>>;
  /** Deadline for each call. @default 10_000 */
  readonly timeoutMs?: number;
}

export interface CallOptions {
  readonly config?: Record<string, unknown>;
  readonly signal?: AbortSignal;
  readonly timeoutMs?: number;
  readonly pluginConfig?: Record<string, unknown>;
  readonly credentials?: Record<string, Record<string, unknown>>;
}

export interface TestHarness {
  readonly files: MemoryFileStore;
  readonly logs: LogEntry[];
  /**
   * Runs a node by object (typed inputs and outputs) or by name. Failures reject with the error
   * the plugin process would answer: `code`, `kind`, `status`, `retryable`, `message`, `details`.
   */
  execute<TNode extends AnyNode>(
    node: TNode,
    inputs: z.input<TNode['inputs']>,
    options?: CallOptions,
  ): Promise<z.output<TNode['outputs']>>;
  execute(
    node: string,
    inputs: Record<string, unknown>,
    options?: CallOptions,
  ): Promise<Record<string, unknown>>;
  nodeConfig(
    node: AnyNode | string,
    config?: Record<string, unknown>,
    options?: CallOptions,
  ): Promise<NodeConfigResponse>;
  validateConfig(config: Record<string, unknown>): Promise<ValidateConfigResponse>;
  integrationReady(
    name: string,
    credentials: Record<string, unknown>,
  ): Promise<IntegrationReadyResponse>;
}

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
