/**
 * @module `plugboard marketplace build`: turns a folder of plugin folders (the repository's
 * `plugins/`, or an operator's own) into a marketplace a Plugin Server installs from: one
 * deterministic archive per plugin version and an `index.json` naming each with its sha256
 * integrity. Versions already in the index are kept, so an index grows as plugins are released;
 * a version whose contents changed without a new version number is refused.
 */
import { mkdir, readdir, readFile, rename, stat, writeFile } from 'node:fs/promises';
import { basename, join, posix, resolve } from 'node:path';
import type { PluginPermissions, PluginResources } from '@plugboard/protocol';
import { marketplaceIndexSchema, type MarketplaceIndex } from '@plugboard/server-api';
import { CliError } from '../cli-error.ts';
import { packPlugin } from './plugin-pack.ts';
import { validatePlugin } from './plugin-validate.ts';

export interface BuiltMarketplace {
  readonly indexFile: string;
  readonly plugins: readonly { name: string; version: string; integrity: string }[];
}

/** Pins versions to a commit of the git repository holding the plugin folders, instead of archives. */
export interface GitPin {
  readonly url: string;
  readonly commit: string;
  /** The folder of the plugin folders inside the repository ('' for its root). */
  readonly path: string;
}

export async function buildMarketplace(
  pluginsDir: string,
  outDir: string,
  options: { onProgress?: (line: string) => void; git?: GitPin } = {},
): Promise<BuiltMarketplace> {
  const onProgress = options.onProgress ?? (() => undefined);
  const root = resolve(pluginsDir);
  const out = resolve(outDir);
  await mkdir(join(out, 'archives'), { recursive: true });
  const index = await readIndex(join(out, 'index.json'));
  const built: { name: string; version: string; integrity: string }[] = [];
  for (const folder of await pluginFolders(root)) {
    const { manifest } = await validatePlugin(folder);
    if (options.git !== undefined) {
      pinToGit(index, { manifest, folder: basename(folder), git: options.git });
      built.push({ name: manifest.id, version: manifest.version, integrity: options.git.commit });
      onProgress(`pinned ${manifest.id}@${manifest.version} to ${options.git.commit}`);
      continue;
    }
    const archive = `archives/${manifest.id}-${manifest.version}.tar.gz`;
    const packed = await packPlugin(folder, join(out, `${archive}.partial`));
    const entry = entryFor(index, manifest);
    const known = entry.versions.find((v) => v.version === manifest.version);
    if (
      known !== undefined &&
      known.source.type === 'archive' &&
      known.source.integrity !== packed.integrity
    ) {
      throw new CliError(
        'CLI_PACK_FAILED',
        `${manifest.id}@${manifest.version} changed since it was published (integrity ${known.source.integrity}, now ${packed.integrity}); give it a new version`,
      );
    }
    await rename(packed.file, join(out, archive));
    if (known === undefined) {
      entry.versions.push({
        version: manifest.version,
        ...requestsOf(manifest),
        source: { type: 'archive', url: archive, integrity: packed.integrity },
      });
    }
    built.push({ name: manifest.id, version: manifest.version, integrity: packed.integrity });
    onProgress(`packed ${manifest.id}@${manifest.version} (${String(packed.bytes)} bytes)`);
  }
  if (built.length === 0) {
    throw new CliError(
      'CLI_PACK_FAILED',
      `no plugin folders in ${root} (a plugin folder has a package.json with "plugboard": { "entry": … })`,
    );
  }
  index.plugins.sort((a, b) => a.name.localeCompare(b.name));
  // Through the schema, so a rebuild writes the same bytes (key order included).
  const normalised = marketplaceIndexSchema.parse(index);
  const indexFile = join(out, 'index.json');
  await writeFile(`${indexFile}.partial`, `${JSON.stringify(normalised, null, 2)}\n`);
  await rename(`${indexFile}.partial`, indexFile);
  return { indexFile, plugins: built };
}

/** The index entry of this plugin (added when new), with its display data brought up to date. */
function entryFor(
  index: MarketplaceIndex,
  manifest: { id: string; displayName: string; description: string },
): MarketplaceIndex['plugins'][number] {
  let entry = index.plugins.find((p) => p.name === manifest.id);
  if (entry === undefined) {
    entry = { name: manifest.id, description: '', versions: [] };
    index.plugins.push(entry);
  }
  entry.displayName = manifest.displayName;
  entry.description = manifest.description;
  return entry;
}

/** What the version asks of a sandbox, shown before anyone installs it. */
function requestsOf(manifest: {
  resources?: PluginResources | undefined;
  permissions?: PluginPermissions | undefined;
}): { resources?: PluginResources; permissions?: PluginPermissions } {
  return {
    ...(manifest.resources === undefined ? {} : { resources: manifest.resources }),
    ...(manifest.permissions === undefined ? {} : { permissions: manifest.permissions }),
  };
}

function pinToGit(
  index: MarketplaceIndex,
  plugin: {
    manifest: {
      id: string;
      version: string;
      displayName: string;
      description: string;
      resources?: PluginResources | undefined;
      permissions?: PluginPermissions | undefined;
    };
    folder: string;
    git: GitPin;
  },
): void {
  const { manifest, git } = plugin;
  if (!/^[0-9a-f]{40}$/.test(git.commit)) {
    throw new CliError(
      'CLI_USAGE',
      `--commit must be a full 40-character commit, not "${git.commit}"`,
    );
  }
  const entry = entryFor(index, manifest);
  const known = entry.versions.find((v) => v.version === manifest.version);
  if (known === undefined) {
    entry.versions.push({
      version: manifest.version,
      ...requestsOf(manifest),
      source: {
        type: 'git',
        url: git.url,
        commit: git.commit,
        subdirectory: posix.join(git.path, plugin.folder).replace(/^\/+/, ''),
      },
    });
  } else if (known.source.type === 'git' && known.source.commit !== git.commit) {
    // A published version stays where it was published; a changed one needs a new number.
    onlyIfUnchanged(known.source.commit, manifest);
  }
}

function onlyIfUnchanged(commit: string, manifest: { id: string; version: string }): void {
  throw new CliError(
    'CLI_PACK_FAILED',
    `${manifest.id}@${manifest.version} is already published at commit ${commit}; give it a new version to publish it again`,
  );
}

async function readIndex(file: string): Promise<MarketplaceIndex> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch {
    return { formatVersion: 1, plugins: [] };
  }
  const parsed = marketplaceIndexSchema.safeParse(JSON.parse(text));
  if (!parsed.success) {
    throw new CliError(
      'CLI_PACK_FAILED',
      `${file} is not a marketplace index (${parsed.error.issues[0]?.message ?? 'invalid'}); move it away to start a new one`,
    );
  }
  return parsed.data;
}

async function pluginFolders(root: string): Promise<string[]> {
  const folders: string[] = [];
  for (const entry of (await readdir(root, { withFileTypes: true })).sort((a, b) =>
    a.name.localeCompare(b.name),
  )) {
    if (!entry.isDirectory() || entry.name.startsWith('.') || entry.name === 'node_modules') {
      continue;
    }
    const packageJson = join(root, entry.name, 'package.json');
    const isPlugin = await stat(packageJson).then(
      async () =>
        (JSON.parse(await readFile(packageJson, 'utf8')) as { plugboard?: unknown }).plugboard !==
        undefined,
      () => false,
    );
    if (isPlugin) {
      folders.push(join(root, entry.name));
    }
  }
  return folders;
}
