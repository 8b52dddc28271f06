/**
 * @module definePlugin: the plugin itself — identity, plugin-level config, nodes and integrations.
 */
import { z } from 'zod';
import {
  permissionsSchema,
  pluginIdSchema,
  resourcesSchema,
  semverSchema,
  type Issue,
  type PluginPermissions,
  type PluginResources,
} from '@plugboard/protocol';
import type { HookContext } from './context.ts';
import type { AnyNode, EmptyObjectSchema } from './define-node.ts';
import type { Integration } from './define-integration.ts';
import { PluginDefinitionError } from './definition-error.ts';

const PLUGIN_BRAND = Symbol.for('plugboard.Plugin');

/** What validateConfig reports: the problems, each at a path of the config; `[]` when valid. */
export type ConfigProblems = readonly Issue[];

export interface PluginOptions<TConfig extends z.ZodObject> {
  /** Stable id, e.g. `acme.text-tools`; the Plugin Server checks it against what was asked to install. */
  readonly id: string;
  /** Semantic version; must equal the `version` in the plugin's package.json. */
  readonly version: string;
  readonly displayName: string;
  readonly description?: string;
  readonly author?: string;
  readonly icon?: string;
  /** Plugin-level settings an operator fills in once (API base URLs, org ids). @default z.object({}) */
  readonly config?: TConfig;
  /** Checks beyond the schema (e.g. that a URL answers); runs on `POST /validate-config`. */
  readonly validateConfig?: (
    config: z.output<TConfig>,
    ctx: HookContext,
  ) => ConfigProblems | Promise<ConfigProblems>;
  readonly nodes: readonly AnyNode[];
  /** Integrations offered; those that nodes list are added automatically. */
  readonly integrations?: readonly Integration[];
  /** Memory, CPU and processes beyond the operator's defaults; granted up to the operator's maxima. */
  readonly resources?: PluginResources;
  /** What the sandbox withholds unless the operator grants it: network, child processes, env. */
  readonly permissions?: PluginPermissions;
}

export interface Plugin {
  readonly kind: 'plugin';
  readonly id: string;
  readonly version: string;
  readonly displayName: string;
  readonly description: string;
  readonly author: string;
  readonly icon: string | undefined;
  readonly config: z.ZodObject;
  readonly validateConfig:
    ((config: unknown, ctx: HookContext) => ConfigProblems | Promise<ConfigProblems>) | undefined;
  readonly nodes: ReadonlyMap<string, AnyNode>;
  readonly integrations: ReadonlyMap<string, Integration>;
  readonly resources: PluginResources | undefined;
  readonly permissions: PluginPermissions | undefined;
}

/**
 * Declares a plugin. Every inconsistency (bad id, duplicate node names, two integrations under one
 * name, a node typed against another config schema) is reported at once, at import time.
 */
export function definePlugin<TConfig extends z.ZodObject = EmptyObjectSchema>(
  options: PluginOptions<TConfig>,
): Plugin {
  const problems: string[] = [];
  const config = options.config ?? z.object({});
  for (const [field, schema] of [
    ['id', pluginIdSchema],
    ['version', semverSchema],
  ] as const) {
    const result = schema.safeParse(options[field]);
    if (!result.success) {
      problems.push(
        `${field} ${JSON.stringify(options[field])}: ${result.error.issues.map((i) => i.message).join('; ')}`,
      );
    }
  }
  if (typeof options.displayName !== 'string' || options.displayName.length === 0) {
    problems.push('displayName: give the name people see, e.g. "Text tools"');
  }
  if (options.nodes.length === 0) {
    problems.push('nodes: declare at least one node with defineNode');
  }
  const nodes = new Map<string, AnyNode>();
  const integrations = new Map<string, Integration>();
  const addIntegration = (integration: Integration, where: string): void => {
    const existing = integrations.get(integration.name);
    if (existing !== undefined && existing !== integration) {
      problems.push(
        `${where}: two different integrations are named ${JSON.stringify(integration.name)}`,
      );
    }
    integrations.set(integration.name, integration);
  };
  for (const integration of options.integrations ?? []) {
    addIntegration(integration, 'integrations');
  }
  for (const node of options.nodes) {
    if (nodes.has(node.name)) {
      problems.push(`nodes: two nodes are named ${JSON.stringify(node.name)}`);
    }
    nodes.set(node.name, node);
    if (node.pluginConfig !== undefined && node.pluginConfig !== config) {
      problems.push(
        `node ${JSON.stringify(node.name)}: pluginConfig must be the same schema object as the plugin's config`,
      );
    }
    for (const integration of node.integrations) {
      addIntegration(integration, `node ${JSON.stringify(node.name)}`);
    }
  }
  for (const [field, schema] of [
    ['resources', resourcesSchema],
    ['permissions', permissionsSchema],
  ] as const) {
    const checked = schema.safeParse(options[field] ?? {});
    for (const issue of checked.error?.issues ?? []) {
      problems.push(`${[field, ...issue.path].join('.')}: ${issue.message}`);
    }
  }
  if (problems.length > 0) {
    throw new PluginDefinitionError(`plugin ${JSON.stringify(options.id)}`, problems);
  }
  const plugin: Plugin = {
    kind: 'plugin',
    id: options.id,
    version: options.version,
    displayName: options.displayName,
    description: options.description ?? '',
    author: options.author ?? '',
    icon: options.icon,
    config,
    validateConfig: options.validateConfig as Plugin['validateConfig'],
    nodes,
    integrations,
    resources: options.resources,
    permissions: options.permissions,
  };
  Object.defineProperty(plugin, PLUGIN_BRAND, { value: true });
  return Object.freeze(plugin);
}

/** True for a value made by definePlugin in any copy of the SDK. */
export function isPlugin(value: unknown): value is Plugin {
  return typeof value === 'object' && value !== null && PLUGIN_BRAND in value;
}
