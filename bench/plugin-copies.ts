// Copies of one plugin package under other ids, for benchmarks that need many plugins. The id is
// rewritten in the source (so a real process serves it) and in the generated manifest, whose
// contentHash is recomputed as the SDK computes it (sha256 of the canonical JSON of every other
// field), so each copy serves exactly the manifest it ships. Running `plugboard plugin manifest`
// per copy would cost a process start (~0.3 s) each: minutes for 1 000 copies.
import { createHash } from 'node:crypto';
import { cp, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { canonicalJson, type Manifest } from '@plugboard/protocol';

const MANIFEST_FILE = 'plugboard.manifest.json';
const SOURCE_FILE = 'src/index.ts';
/** Copies in flight at once: file copies are I/O-bound, so a few dozen keep the disk busy. */
const PARALLEL_COPIES = 32;

function contentHash(manifest: Readonly<Record<string, unknown>>): string {
  const body: Record<string, unknown> = { ...manifest };
  delete body['contentHash'];
  return `sha256-${createHash('sha256').update(canonicalJson(body)).digest('hex')}`;
}

async function readManifest(dir: string): Promise<Manifest> {
  const manifest = JSON.parse(await readFile(join(dir, MANIFEST_FILE), 'utf8')) as Manifest;
  // Proves the recomputation matches the SDK's before any copy relies on it.
  if (contentHash(manifest) !== manifest.contentHash) {
    throw new Error(
      `recomputing the contentHash of ${dir}'s manifest gives ${contentHash(manifest)}, not ${manifest.contentHash}: the SDK's hashing changed`,
    );
  }
  return manifest;
}

/** `from` copied to `to` as plugin `id`: the source's `id: '<old>'` and the manifest rewritten. */
async function copyWithId(from: string, to: string, id: string, manifest: Manifest): Promise<void> {
  await cp(from, to, { recursive: true });
  const source = await readFile(join(to, SOURCE_FILE), 'utf8');
  const rewritten = source.replace(`id: '${manifest.id}'`, `id: '${id}'`);
  if (rewritten === source) {
    throw new Error(`${join(from, SOURCE_FILE)} has no \`id: '${manifest.id}'\` to rewrite`);
  }
  await writeFile(join(to, SOURCE_FILE), rewritten);
  const renamed = { ...manifest, id };
  await writeFile(
    join(to, MANIFEST_FILE),
    `${JSON.stringify({ ...renamed, contentHash: contentHash(renamed) }, null, 2)}\n`,
  );
}

/** One copy per id, as `<root>/<id>`, a bounded number at a time; resolves with the folders. */
export async function copiesWithIds(
  from: string,
  root: string,
  ids: readonly string[],
): Promise<Map<string, string>> {
  const manifest = await readManifest(from);
  const folders = new Map(ids.map((id) => [id, join(root, id)] as const));
  const queue = [...folders];
  const worker = async (): Promise<void> => {
    for (let next = queue.shift(); next !== undefined; next = queue.shift()) {
      await copyWithId(from, next[1], next[0], manifest);
    }
  };
  await Promise.all(Array.from({ length: PARALLEL_COPIES }, worker));
  return folders;
}
