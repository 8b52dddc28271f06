/**
 * @module Removes the installer configuration a package ships, so that registry, cache, scripts
 * and hooks come from the server alone, and refuses a package that ships its own node_modules.
 *
 * Only the package's root is cleared: that is where each tool reads these files (npm and pnpm
 * take the project's .npmrc from the project root, pnpm looks for pnpm-workspace.yaml and its
 * pnpmfile from there upwards, bun reads bunfig.toml and .npmrc from the folder it runs in), and
 * nested folders are never projects of their own since workspaces and folder dependencies are
 * refused. The tools' user-level files live under the server's cache folder (see
 * run-install-tool.ts), out of a package's reach.
 */
import { lstat, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { ServerError } from '../errors.ts';

/** What each tool reads from the project root, by name. */
const SHIPPED_CONFIG: readonly string[] = [
  // npm, pnpm and bun: registry, auth, scripts, cache.
  '.npmrc',
  // yarn 1 and 2+ (and their plugins, patches and releases); no installer here is yarn, but none
  // of its settings should travel with the package either.
  '.yarnrc',
  '.yarnrc.yml',
  '.yarn',
  // bun (the server also passes its own --config, so a shipped one is ignored regardless).
  'bunfig.toml',
  '.bunfig.toml',
  // pnpm 10+: settings, overrides, catalogs; hooks that run code even with scripts off.
  'pnpm-workspace.yaml',
  '.pnpmfile.cjs',
  '.pnpmfile.mjs',
  '.pnpmrc',
];

async function exists(path: string): Promise<'file' | 'folder' | undefined> {
  try {
    return (await lstat(path)).isDirectory() ? 'folder' : 'file';
  } catch {
    return undefined;
  }
}

/**
 * Deletes the shipped installer configuration at the root of `dir`, logging each removal.
 * `.env` files stay: they may be the plugin's own, and bun, the only tool that reads them, is
 * always run with --no-env-file.
 */
export async function removeShippedInstallerConfig(
  dir: string,
  log: (line: string) => void,
): Promise<void> {
  if ((await exists(join(dir, 'node_modules'))) !== undefined) {
    throw new ServerError(
      'PSRV_PACKAGE_INVALID',
      'the package ships a node_modules folder, whose code would not come from the registry; leave it out of the package (`plugboard plugin pack` does) and let the server install the dependencies',
      { details: { where: 'node_modules' } },
    );
  }
  for (const name of SHIPPED_CONFIG) {
    const path = join(dir, name);
    const kind = await exists(path);
    if (kind !== undefined) {
      await rm(path, { recursive: true, force: true });
      log(
        `[install] removed ${name}${kind === 'folder' ? '/' : ''}: installer configuration shipped in a plugin is ignored; the server's own settings apply`,
      );
    }
  }
}
