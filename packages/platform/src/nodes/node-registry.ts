/**
 * @module The node types a workflow may use: the built-ins plus the nodes of the plugins given
 * (the ones installed and running). Rebuilt when the set of plugin versions changes (see
 * NodeRegistryCache); plugin nodes run through the port each run brings (`NodeCall.remote`).
 */
import type { Manifest } from '@plugboard/protocol';
import { BUILTIN_PREFIX } from './builtin/define-builtin.ts';
import { builtinNodes } from './builtin/builtin-nodes.ts';
import type { ExecutableNode, NodeDefinition } from './node-definition.ts';
import { remoteNodesFromManifest } from './remote-node.ts';

export { builtinNodes };

export interface RegistryPlugin {
  readonly id: string;
  readonly manifest: Manifest;
}

export class NodeRegistry {
  readonly #nodes: ReadonlyMap<string, ExecutableNode>;
  readonly #pluginIds: ReadonlySet<string>;

  private constructor(nodes: ReadonlyMap<string, ExecutableNode>, pluginIds: ReadonlySet<string>) {
    this.#nodes = nodes;
    this.#pluginIds = pluginIds;
  }

  /**
   * Node types are `<manifest id>/<node name>`. `core` is reserved for the built-ins, so a plugin
   * claiming it is left out rather than shadowing them; of two entries for one plugin id, the
   * first wins.
   */
  static build(options: { plugins: readonly RegistryPlugin[] }): NodeRegistry {
    const nodes = new Map(builtinNodes().map((node) => [node.type, node]));
    const pluginIds = new Set<string>();
    for (const { id, manifest } of options.plugins) {
      if (id === BUILTIN_PREFIX || manifest.id === BUILTIN_PREFIX || pluginIds.has(manifest.id)) {
        continue;
      }
      pluginIds.add(manifest.id);
      for (const node of remoteNodesFromManifest(manifest)) {
        nodes.set(node.type, node);
      }
    }
    return new NodeRegistry(nodes, pluginIds);
  }

  get(type: string): ExecutableNode | undefined {
    return this.#nodes.get(type);
  }

  /** Definitions without their behaviour, as the editor's API serves them. */
  list(): NodeDefinition[] {
    return [...this.#nodes.values()].map((node) => ({
      type: node.type,
      title: node.title,
      description: node.description,
      category: node.category,
      ...(node.icon === undefined ? {} : { icon: node.icon }),
      origin: node.origin,
      inputs: node.inputs,
      outputs: node.outputs,
      config: node.config,
    }));
  }

  /** Plugins whose nodes are registered (`core` excluded). */
  pluginIds(): string[] {
    return [...this.#pluginIds];
  }

  /** Node types under a prefix (`core`, or a plugin id), for messages that suggest one. */
  typesOf(prefix: string): string[] {
    return [...this.#nodes.keys()].filter((type) => type.startsWith(`${prefix}/`));
  }
}
