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

/** What definePlugin takes: who the plugin is, its config, its nodes and integrations, its needs. */
export interface PluginOptions<TConfig extends z.ZodObject> {
  /** Stable id, e.g. `acme.text-tools`; the Plugin Server checks it against what was asked to install. */
  readonly id: string;
  /** Semantic version; must equal the `version` in the plugin's package.json. */
  readonly version: string;
  /** The name people see, e.g. `Text tools`. */
  readonly displayName: string;
  /** What the plugin does, in a sentence or two. @default '' */
  readonly description?: string;
  /** Who wrote it: a name, an email address. @default '' */
  readonly author?: string;
  /**
   * An image for it: an `https:` URL or a `data:` URI (an SVG, say). It goes into the manifest as
   * is; nothing fetches or checks it.
   */
  readonly icon?: string;
  /** Plugin-level settings an operator fills in once (API base URLs, org ids). @default z.object({}) */
  readonly config?: TConfig;
  /** Checks beyond the schema (e.g. that a URL answers); runs on `POST /validate-config`. */
  readonly validateConfig?: (
    config: z.output<TConfig>,
    ctx: HookContext,
  ) => ConfigProblems | Promise<ConfigProblems>;
  /** The nodes it offers, each made by defineNode; at least one. */
  readonly nodes: readonly AnyNode[];
  /** Integrations offered; those that nodes list are added automatically. */
  readonly integrations?: readonly Integration[];
  /** Memory, CPU and processes beyond the operator's defaults; granted up to the operator's maxima. */
  readonly resources?: PluginResources;
  /** What the sandbox withholds unless the operator grants it: network, child processes, env. */
  readonly permissions?: PluginPermissions;
}

/**
 * A declared plugin, as definePlugin returns it (frozen, defaults filled in). The plugin's entry
 * file exports it as its default export; the test harness and the runtime take it from there.
 */
export interface Plugin {
  /** Tells a plugin from the other declarations. */
  readonly kind: 'plugin';
  /** As in {@link PluginOptions.id}. */
  readonly id: string;
  /** As in {@link PluginOptions.version}. */
  readonly version: string;
  /** As in {@link PluginOptions.displayName}. */
  readonly displayName: string;
  /** As in {@link PluginOptions.description}; `''` when not given. */
  readonly description: string;
  /** As in {@link PluginOptions.author}; `''` when not given. */
  readonly author: string;
  /** As in {@link PluginOptions.icon}. */
  readonly icon: string | undefined;
  /** The plugin-level config schema; `z.object({})` when none was given. */
  readonly config: z.ZodObject;
  /** As in {@link PluginOptions.validateConfig}. */
  readonly validateConfig:
    ((config: unknown, ctx: HookContext) => ConfigProblems | Promise<ConfigProblems>) | undefined;
  /** Every node, by name. */
  readonly nodes: ReadonlyMap<string, AnyNode>;
  /** Every integration, those the plugin lists and those its nodes list, by name. */
  readonly integrations: ReadonlyMap<string, Integration>;
  /** As in {@link PluginOptions.resources}. */
  readonly resources: PluginResources | undefined;
  /** As in {@link PluginOptions.permissions}. */
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
