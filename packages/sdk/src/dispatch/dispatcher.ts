/**
 * @module The plugin process's behaviour without its transport: look up, validate, run under a
 * deadline and a concurrency limit, convert errors. The HTTP runtime and the test harness both
 * call it, so a node behaves the same in a unit test as in production.
 */
import type { z } from 'zod';
import {
  executeRequestSchema,
  integrationReadyRequestSchema,
  nodeConfigRequestSchema,
  nodeConfigResponseSchema,
  type ConfigureResponse,
  type ExecuteResponse,
  type ExecutionContextMessage,
  type IntegrationManifest,
  type IntegrationReadyResponse,
  type Issue,
  type Manifest,
  type NodeConfigResponse,
  type ValidateConfigResponse,
} from '@plugboard/protocol';
import type { ExecutionContext } from '../context.ts';
import type { Plugin } from '../define-plugin.ts';
import type { AnyNode } from '../define-node.ts';
import { createFileHelper } from '../files/file-helper.ts';
import type { FileTransport } from '../files/file-transport.ts';
import type { Logger } from '../logger.ts';
import { buildManifest } from '../manifest/build-manifest.ts';
import { ConcurrencyLimit } from './concurrency-limit.ts';
import { describeIssues, toIssues } from './issues.ts';
import { createPluginConfiguration } from './plugin-configuration.ts';
import { PluginFailure } from './plugin-failure.ts';
import { runGuarded } from './run-guarded.ts';
import { toFailure } from './to-failure.ts';

export interface DispatcherOptions {
  readonly files: FileTransport;
  /** Makes the logger handed to one call, bound to what identifies it. */
  readonly logger: (bindings: Record<string, unknown>) => Logger;
  readonly maxConcurrency: number;
  readonly defaultTimeoutMs: number;
}

/** How one call to plugin code is run. */
interface DispatchCall {
  readonly signal: AbortSignal;
  /**
   * The plugin configuration this call gets, unparsed; by default the one applied with
   * `configure` (the test harness gives one per call).
   */
  readonly pluginConfig?: unknown;
}

export interface Dispatcher {
  readonly manifest: Manifest;
  readonly inFlight: number;
  /** Executions past their deadline or cancel that ignore it (see `runGuarded`). */
  readonly stuck: number;
  readonly maxConcurrency: number;
  idle(): Promise<void>;
  /** Runs a node; its `ctx.pluginConfig` is as `call` says. */
  execute(nodeName: string, body: unknown, call: DispatchCall): Promise<ExecuteResponse>;
  nodeConfig(nodeName: string, body: unknown, call: DispatchCall): Promise<NodeConfigResponse>;
  /** Makes a configuration the one every call that starts after it gets. */
  configure(body: unknown, signal: AbortSignal): Promise<ConfigureResponse>;
  validateConfig(body: unknown, signal: AbortSignal): Promise<ValidateConfigResponse>;
  integrationConfig(name: string): IntegrationManifest;
  integrationReady(
    name: string,
    body: unknown,
    signal: AbortSignal,
  ): Promise<IntegrationReadyResponse>;
}

export function createDispatcher(plugin: Plugin, options: DispatcherOptions): Dispatcher {
  // Built on first use: generating JSON Schema for every schema is start-up time the handshake
  // does not need, and `plugboard plugin validate` has already proved it can be built.
  let manifest: Manifest | undefined;
  const getManifest = (): Manifest => (manifest ??= buildManifest(plugin));
  const limit = new ConcurrencyLimit(options.maxConcurrency);
  const configuration = createPluginConfiguration(plugin, {
    limit,
    timeoutMs: options.defaultTimeoutMs,
    logger: options.logger,
    parseRequest: parseOrFail,
  });

  const findNode = (name: string): AnyNode => {
    const node = plugin.nodes.get(name);
    if (node === undefined) {
      throw notFound('node', name, [...plugin.nodes.keys()]);
    }
    return node;
  };

  /** Parses the parts of a call that plugin code relies on, reporting every bad path at once. */
  const prepareContext = (node: AnyNode, context: ExecutionContextMessage, given: unknown) => {
    const issues = createIssueCollector();
    const config = given === undefined ? configuration.current() : configuration.parse(given);
    const pluginConfig = config.ok ? config.value : undefined;
    if (!config.ok) {
      issues.add(config.issues, ['pluginConfig']);
    }
    const credentials: Record<string, unknown> = {};
    const missing: string[] = [];
    for (const integration of node.integrations) {
      const given = context.credentials[integration.name];
      if (given === undefined) {
        missing.push(integration.name);
        continue;
      }
      credentials[integration.name] = issues.parse(integration.credentials, given, [
        'context',
        'credentials',
        integration.name,
      ]);
    }
    if (missing.length > 0) {
      throw PluginFailure.of(
        'PLUGIN_CREDENTIALS_MISSING',
        `node "${node.name}" needs credentials for ${missing.map((m) => `"${m}"`).join(', ')}; add them for this integration in the platform`,
        { integrations: missing },
      );
    }
    return { context, pluginConfig, credentials, issues };
  };

  const makeContext = (
    node: AnyNode,
    prepared: ReturnType<typeof prepareContext>,
    { signal, timeoutMs }: { signal: AbortSignal; timeoutMs: number },
  ): ExecutionContext<unknown, unknown> => {
    const { context } = prepared;
    return {
      pluginConfig: prepared.pluginConfig,
      credentials: prepared.credentials,
      log: options.logger({
        node: node.name,
        runId: context.runId,
        executionId: context.executionId,
      }),
      signal,
      deadline: new Date(Date.now() + timeoutMs),
      files: createFileHelper(options.files, { callToken: context.callToken, signal }),
      runId: context.runId,
      executionId: context.executionId,
    };
  };

  return {
    get manifest() {
      return getManifest();
    },
    get inFlight() {
      return limit.inFlight;
    },
    get stuck() {
      return limit.stuck;
    },
    maxConcurrency: limit.max,
    idle: () => limit.idle(),

    async execute(nodeName, body, { signal, pluginConfig }) {
      const node = findNode(nodeName);
      const request = parseOrFail(executeRequestSchema, body);
      const prepared = prepareContext(node, request.context, pluginConfig);
      const { issues } = prepared;
      const inputs = issues.parse(node.inputs, request.inputs, ['inputs']);
      const config = issues.parse(node.config, request.config, ['config']);
      issues.throwIfAny(`node "${node.name}"`);
      const timeoutMs = request.context.timeoutMs ?? options.defaultTimeoutMs;
      const started = performance.now();
      const result = await runGuarded(
        async (guardSignal) => {
          try {
            return await node.run(
              makeContext(node, prepared, { signal: guardSignal, timeoutMs }),
              inputs,
              config,
            );
          } catch (error) {
            throw toFailure(error);
          }
        },
        { limit, timeoutMs, signal },
      );
      const outputs = node.outputs.safeParse(result);
      if (!outputs.success) {
        const outputIssues = toIssues(outputs.error, ['outputs']);
        throw PluginFailure.of(
          'PLUGIN_OUTPUT_INVALID',
          `node "${node.name}" returned outputs that do not match its output schema: ${describeIssues(outputIssues)}`,
          { issues: outputIssues },
        );
      }
      return { outputs: outputs.data, durationMs: performance.now() - started };
    },

    async nodeConfig(nodeName, body, { signal, pluginConfig }) {
      const node = findNode(nodeName);
      const hook = node.dynamicConfig;
      if (hook === undefined) {
        parseOrFail(nodeConfigRequestSchema, body);
        return { fields: {}, ready: true };
      }
      const request = parseOrFail(nodeConfigRequestSchema, body);
      const prepared = prepareContext(node, request.context, pluginConfig);
      prepared.issues.throwIfAny(`node "${node.name}"`);
      const timeoutMs = options.defaultTimeoutMs;
      const answer = await runGuarded(
        async (guardSignal) => {
          try {
            return await hook(
              makeContext(node, prepared, { signal: guardSignal, timeoutMs }),
              request.config,
            );
          } catch (error) {
            throw toFailure(error);
          }
        },
        { limit, timeoutMs, signal },
      );
      const parsed = nodeConfigResponseSchema.safeParse({ fields: {}, ready: true, ...answer });
      if (!parsed.success) {
        throw PluginFailure.of(
          'PLUGIN_OUTPUT_INVALID',
          `the dynamic-config hook of node "${node.name}" returned an invalid answer: ${describeIssues(toIssues(parsed.error, []))}`,
        );
      }
      return parsed.data;
    },

    configure: (body, signal) => configuration.apply(body, signal),
    validateConfig: (body, signal) => configuration.validate(body, signal),

    integrationConfig(name) {
      const { integrations } = getManifest();
      const found = integrations.find((i) => i.name === name);
      if (found === undefined) {
        throw notFound(
          'integration',
          name,
          integrations.map((i) => i.name),
        );
      }
      return found;
    },

    async integrationReady(name, body, signal) {
      const integration = plugin.integrations.get(name);
      if (integration === undefined) {
        throw notFound('integration', name, [...plugin.integrations.keys()]);
      }
      const request = parseOrFail(integrationReadyRequestSchema, body);
      const issues = createIssueCollector();
      const credentials = issues.parse(integration.credentials, request.credentials, [
        'credentials',
      ]);
      issues.throwIfAny(`integration "${name}"`);
      const check = integration.ready;
      if (check === undefined) {
        return { ready: true };
      }
      const verdict = await runGuarded(
        async (guardSignal) => {
          try {
            return await check(credentials as Record<string, unknown>, {
              log: options.logger({ integration: name }),
              signal: guardSignal,
            });
          } catch (error) {
            throw toFailure(error);
          }
        },
        { limit, timeoutMs: options.defaultTimeoutMs, signal },
      );
      if (typeof verdict === 'boolean') {
        return { ready: verdict };
      }
      return verdict.message === undefined
        ? { ready: verdict.ready }
        : { ready: verdict.ready, message: verdict.message };
    },
  };
}

function parseOrFail<T extends z.ZodType>(schema: T, value: unknown): z.output<T> {
  const parsed = schema.safeParse(value);
  if (!parsed.success) {
    const issues = toIssues(parsed.error, []);
    throw PluginFailure.of(
      'PLUGIN_BAD_REQUEST',
      `the request body has the wrong shape: ${describeIssues(issues)}`,
      { issues },
    );
  }
  return parsed.data;
}

/** Parses the parts of a request one by one and reports all their problems together. */
function createIssueCollector() {
  const issues: Issue[] = [];
  return {
    parse(schema: z.ZodType, value: unknown, root: readonly (string | number)[]): unknown {
      const parsed = schema.safeParse(value);
      if (parsed.success) {
        return parsed.data;
      }
      issues.push(...toIssues(parsed.error, root));
      return undefined;
    },
    add(more: readonly Issue[], root: readonly (string | number)[]): void {
      issues.push(...more.map((issue) => ({ ...issue, path: [...root, ...issue.path] })));
    },
    throwIfAny(subject: string): void {
      if (issues.length > 0) {
        throw PluginFailure.of(
          'PLUGIN_VALIDATION_FAILED',
          `invalid request for ${subject}: ${describeIssues(issues)}`,
          {
            issues,
          },
        );
      }
    },
  };
}

function notFound(
  what: 'node' | 'integration',
  name: string,
  available: readonly string[],
): PluginFailure {
  return PluginFailure.of(
    'PLUGIN_NOT_FOUND',
    `this plugin has no ${what} "${name}"; available: ${available.length > 0 ? available.join(', ') : '(none)'}`,
    { available },
  );
}
