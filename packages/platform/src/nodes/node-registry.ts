/**
 * @module The node types a workflow may use: the built-ins plus the nodes of the plugins given
 * (the ones installed and running). A plugin node saved with a range (`text-tools/shout@^1`)
 * resolves to the highest callable version of its plugin the range takes — the current one, or
 * an older one kept installed for the workflows pinned to it; without a range, to the current
 * one. Rebuilt when the set of plugin versions changes (see NodeRegistryCache); plugin nodes
 * run through the port each run brings (`NodeCall.remote`).
 */
import type { Manifest } from '@plugboard/protocol';
import { parseNodeRef } from '@plugboard/platform-api';
import {
  CALLABLE_VERSION_STATES,
  defaultRange,
  highestSatisfying,
  isVersionRange,
  type PluginVersionState,
} from '@plugboard/server-api';
import { BUILTIN_PREFIX } from './builtin/define-builtin.ts';
import { builtinNodes } from './builtin/builtin-nodes.ts';
import type { ExecutableNode, NodeDefinition } from './node-definition.ts';
import { remoteNodesFromManifest } from './remote-node.ts';

export { builtinNodes };

export interface RegistryPlugin {
  readonly id: string;
  /** The current version's. */
  readonly manifest: Manifest;
  /** Every installed version; absent or empty: the current one only. */
  readonly versions?:
    | readonly {
        readonly version: string;
        readonly state: PluginVersionState;
        readonly manifest: Manifest;
      }[]
    | undefined;
}

interface PluginVersions {
  readonly current: string;
  /** The versions a pinned node may run on, by version. */
  readonly callable: ReadonlyMap<string, Manifest>;
  /** `1.0.0 (kept), 2.0.0 (current)`, for messages. */
  readonly installed: string;
}

export class NodeRegistry {
  readonly #nodes: ReadonlyMap<string, ExecutableNode>;
  readonly #plugins: ReadonlyMap<string, PluginVersions>;
  /** The nodes of versions other than the current one, made on first use. */
  readonly #pinned = new Map<string, ReadonlyMap<string, ExecutableNode>>();

  private constructor(
    nodes: ReadonlyMap<string, ExecutableNode>,
    plugins: ReadonlyMap<string, PluginVersions>,
  ) {
    this.#nodes = nodes;
    this.#plugins = plugins;
  }

  /**
   * Node types are `<manifest id>/<node name>`. `core` is reserved for the built-ins, so a plugin
   * claiming it is left out rather than shadowing them; of two entries for one plugin id, the
   * first wins.
   */
  static build(options: { plugins: readonly RegistryPlugin[] }): NodeRegistry {
    const nodes = new Map(builtinNodes().map((node) => [node.type, node]));
    const plugins = new Map<string, PluginVersions>();
    for (const { id, manifest, versions = [] } of options.plugins) {
      if (id === BUILTIN_PREFIX || manifest.id === BUILTIN_PREFIX || plugins.has(manifest.id)) {
        continue;
      }
      const callable = new Map(
        versions
          .filter((v) => CALLABLE_VERSION_STATES.includes(v.state) && v.manifest.id === manifest.id)
          .map((v) => [v.version, v.manifest]),
      );
      callable.set(manifest.version, manifest);
      plugins.set(manifest.id, {
        current: manifest.version,
        callable,
        installed:
          versions.map((v) => `${v.version} (${v.state.replace('_', ' ')})`).join(', ') ||
          `${manifest.version} (current)`,
      });
      for (const node of remoteNodesFromManifest(manifest)) {
        nodes.set(node.type, node);
      }
    }
    return new NodeRegistry(nodes, plugins);
  }

  /** The node a saved type runs as: pinned ones on the version their range resolves to. */
  get(type: string): ExecutableNode | undefined {
    const ref = parseNodeRef(type);
    if (ref.range === undefined) {
      return this.#nodes.get(type);
    }
    const version = this.resolve(ref.prefix, ref.range);
    const plugin = this.#plugins.get(ref.prefix);
    const manifest = version === undefined ? undefined : plugin?.callable.get(version);
    if (manifest === undefined || version === undefined) {
      return undefined;
    }
    if (version === plugin?.current) {
      return this.#nodes.get(ref.base);
    }
    const key = `${ref.prefix}@${version}`;
    let made = this.#pinned.get(key);
    if (made === undefined) {
      made = new Map(remoteNodesFromManifest(manifest).map((node) => [node.type, node]));
      this.#pinned.set(key, made);
    }
    return made.get(ref.base);
  }

  /** The version of a plugin a node pinned to `range` runs on; undefined when none is callable. */
  resolve(pluginId: string, range: string): string | undefined {
    const plugin = this.#plugins.get(pluginId);
    if (plugin === undefined || !isVersionRange(range)) {
      return undefined;
    }
    return highestSatisfying([...plugin.callable.keys()], range);
  }

  /** The current version of a plugin whose nodes are registered. */
  currentVersion(pluginId: string): string | undefined {
    return this.#plugins.get(pluginId)?.current;
  }

  /**
   * Why a pinned type resolves to no node, said so that it can be fixed; undefined when the type
   * is not pinned, or its plugin is not registered (the usual unknown-type message covers it).
   */
  unresolved(type: string): string | undefined {
    const ref = parseNodeRef(type);
    const plugin = this.#plugins.get(ref.prefix);
    if (ref.range === undefined || plugin === undefined) {
      return undefined;
    }
    if (!isVersionRange(ref.range)) {
      return `"${ref.range.slice(0, 80)}" is not a version range; write one like "^1", "~1.2" or "1.2.3"`;
    }
    if (this.resolve(ref.prefix, ref.range) === undefined) {
      return `no installed version of plugin "${ref.prefix}" that runs nodes satisfies ${ref.range} (installed: ${plugin.installed}); make one current, or upgrade the workflow to ${defaultRange(plugin.current)}`;
    }
    return undefined;
  }

  /** Definitions without their behaviour, as the editor's API serves them: current versions. */
  list(): (NodeDefinition & { version?: string; pin?: string })[] {
    return [...this.#nodes.values()].map((node) => {
      const version =
        node.origin.kind === 'plugin'
          ? this.#plugins.get(node.origin.pluginId)?.current
          : undefined;
      return {
        type: node.type,
        ...(version === undefined ? {} : { version, pin: `${node.type}@${defaultRange(version)}` }),
        title: node.title,
        description: node.description,
        category: node.category,
        ...(node.icon === undefined ? {} : { icon: node.icon }),
        origin: node.origin,
        inputs: node.inputs,
        outputs: node.outputs,
        config: node.config,
      };
    });
  }

  /** Plugins whose nodes are registered (`core` excluded). */
  pluginIds(): string[] {
    return [...this.#plugins.keys()];
  }

  /** Node types under a prefix (`core`, or a plugin id), for messages that suggest one. */
  typesOf(prefix: string): string[] {
    return [...this.#nodes.keys()].filter((type) => type.startsWith(`${prefix}/`));
  }
}
