/**
 * @module The node registry as runs and the editor read it: rebuilt only when the set of plugin
 * versions changes. Each run asks for the plugins' content hashes only (one small query); a
 * manifest is read and its nodes made once per plugin version, and a version no longer installed
 * is dropped, so the cache holds what is installed and nothing more.
 */
import type { Manifest } from '@plugboard/protocol';
import { NodeRegistry } from './node-registry.ts';

export interface RegistrySource {
  /** The plugins whose nodes belong in the registry, each with its manifest's content hash. */
  nodeVersions(): Promise<readonly { id: string; hash: string }[]>;
  manifests(ids: readonly string[]): Promise<readonly { id: string; manifest: Manifest }[]>;
}

export class NodeRegistryCache {
  readonly #source: RegistrySource;
  /** By `<id>@<content hash>`. */
  #manifests = new Map<string, Manifest>();
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
    const missing = versions.filter((_v, i) => !this.#manifests.has(keys[i] ?? ''));
    const fetched = new Map<string, Manifest>();
    if (missing.length > 0) {
      for (const { id, manifest } of await this.#source.manifests(missing.map((v) => v.id))) {
        fetched.set(`${id}@${manifest.contentHash}`, manifest);
      }
    }
    const manifests = new Map<string, Manifest>();
    const plugins: { id: string; manifest: Manifest }[] = [];
    for (const [i, { id }] of versions.entries()) {
      const versionKey = keys[i] ?? '';
      // A manifest that changed again between the two queries is left for the next read.
      const manifest = this.#manifests.get(versionKey) ?? fetched.get(versionKey);
      if (manifest !== undefined) {
        manifests.set(versionKey, manifest);
        plugins.push({ id, manifest });
      }
    }
    this.#manifests = manifests;
    const registry = NodeRegistry.build({ plugins });
    if (plugins.length === versions.length) {
      this.#built = { key, registry };
    }
    return registry;
  }
}
