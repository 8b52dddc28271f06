// The registry is rebuilt only when the set of plugin versions changes: a run reads the content
// hashes alone, a manifest is read once per version, and versions no longer there are dropped.
import { describe, expect, it } from 'vitest';
import type { Manifest } from '@plugboard/protocol';
import { NodeRegistryCache, type RegistrySource } from '../src/nodes/node-registry-cache.ts';
import { testManifest } from './helpers/test-platform.ts';

const manifest = (id: string, node: string, hash: string): Manifest => ({
  ...testManifest({ id, nodes: [{ name: node }] }),
  contentHash: `sha256-${hash.repeat(64)}`,
});

function source(initial: Manifest[]) {
  const stored = new Map(initial.map((m) => [m.id, m]));
  const reads: string[][] = [];
  const db: RegistrySource = {
    nodeVersions: () =>
      Promise.resolve(
        [...stored.values()]
          .map((m) => ({ id: m.id, hash: m.contentHash }))
          .sort((a, b) => a.id.localeCompare(b.id)),
      ),
    manifests: (ids) => {
      reads.push([...ids]);
      return Promise.resolve(
        ids.flatMap((id) => {
          const m = stored.get(id);
          return m === undefined ? [] : [{ id, hash: m.contentHash, manifest: m }];
        }),
      );
    },
  };
  return { db, stored, reads };
}

const pluginTypes = (types: string[]) => types.filter((t) => !t.startsWith('core/'));

describe('NodeRegistryCache', () => {
  it('reads each manifest once per version and keeps the registry while nothing changes', async () => {
    const { db, stored, reads } = source([
      manifest('alpha', 'one', '1'),
      manifest('beta', 'two', '2'),
    ]);
    const cache = new NodeRegistryCache(db);
    const first = await cache.current();
    expect(pluginTypes(first.list().map((n) => n.type))).toEqual(['alpha/one', 'beta/two']);
    expect(await cache.current()).toBe(first);
    expect(reads).toEqual([['alpha', 'beta']]);

    stored.set('beta', manifest('beta', 'three', '3'));
    const updated = await cache.current();
    expect(updated).not.toBe(first);
    expect(pluginTypes(updated.list().map((n) => n.type))).toEqual(['alpha/one', 'beta/three']);
    expect(reads).toEqual([['alpha', 'beta'], ['beta']]);

    stored.delete('alpha');
    const removed = await cache.current();
    expect(pluginTypes(removed.list().map((n) => n.type))).toEqual(['beta/three']);
    expect(reads).toHaveLength(2);
  });

  it('does not keep a registry built while a manifest changed under it', async () => {
    const { db, stored, reads } = source([manifest('alpha', 'one', '1')]);
    const cache = new NodeRegistryCache({
      nodeVersions: () => db.nodeVersions(),
      manifests: async (ids) => {
        const answer = await db.manifests(ids);
        // Changed again between the two reads: this run goes without it, the next reads it.
        stored.set('alpha', manifest('alpha', 'two', '2'));
        return answer.map(({ id }) => {
          const changed = manifest(id, 'one', '9');
          return { id, hash: changed.contentHash, manifest: changed };
        });
      },
    });
    expect(pluginTypes((await cache.current()).list().map((n) => n.type))).toEqual([]);
    expect(pluginTypes((await cache.current()).list().map((n) => n.type))).toEqual([]);
    expect(reads).toHaveLength(2);
  });
});
