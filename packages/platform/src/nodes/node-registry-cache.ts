/**
 * @module The node registry as runs and the editor read it: rebuilt only when the set of plugin
 * versions changes. Each run asks for a hash per plugin of its manifests (one small query); the
 * manifests are read and their nodes made once per hash, and a plugin no longer installed is
 * dropped, so the cache holds what is installed and nothing more.
 */
import { NodeRegistry, type RegistryPlugin } from './node-registry.ts';

export interface RegistrySource {
  /** The plugins whose nodes belong in the registry, each with a hash of its manifests. */
  nodeVersions(): Promise<readonly { id: string; hash: string }[]>;
  /** Their manifests (current and installed versions), with the same hash. */
  manifests(ids: readonly string[]): Promise<readonly (RegistryPlugin & { hash: string })[]>;
}

export class NodeRegistryCache {
  readonly #source: RegistrySource;
  /** By `<id>@<hash>`. */
  #plugins = new Map<string, RegistryPlugin>();
  #built: { key: string; registry: NodeRegistry } | undefined;

  constructor(source: RegistrySource) {
    this.#source = source;
  }

  async current(): Promise<NodeRegistry> {
    const versions = await this.#source.nodeVersions();
    const keys = versions.map(({ id, hash }) => `${id}@${hash}`);
    const key = keys.join('\n');
    if (this.#built?.key === key) {
      return this.#built.registry;
    }
    const missing = versions.filter((_v, i) => !this.#plugins.has(keys[i] ?? ''));
    const fetched = new Map<string, RegistryPlugin>();
    if (missing.length > 0) {
      for (const plugin of await this.#source.manifests(missing.map((v) => v.id))) {
        fetched.set(`${plugin.id}@${plugin.hash}`, plugin);
      }
    }
    const kept = new Map<string, RegistryPlugin>();
    for (const versionKey of keys) {
      // Manifests that changed again between the two queries are left for the next read.
      const plugin = this.#plugins.get(versionKey) ?? fetched.get(versionKey);
      if (plugin !== undefined) {
        kept.set(versionKey, plugin);
      }
    }
    this.#plugins = kept;
    const registry = NodeRegistry.build({ plugins: [...kept.values()] });
    if (kept.size === versions.length) {
      this.#built = { key, registry };
    }
    return registry;
  }
}
