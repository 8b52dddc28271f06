/**
 * @module Installs with pnpm: a content-addressed store shared by all plugins, hardlinked into
 * each plugin's strict (non-hoisted) node_modules.
 */
import { join } from 'node:path';
import type { Installer } from './installer.ts';
import { createToolInstaller } from './tool-installer.ts';

export function createPnpmInstaller(binary: string): Installer {
  return createToolInstaller({
    name: 'pnpm',
    binary,
    lockfiles: ['pnpm-lock.yaml'],
    args: (lockfile, settings) => [
      'install',
      '--prod',
      lockfile === undefined ? '--no-frozen-lockfile' : '--frozen-lockfile',
      `--store-dir=${join(settings.cacheDir, 'pnpm-store')}`,
      `--config.cache-dir=${join(settings.cacheDir, 'pnpm-cache')}`,
      '--reporter=append-only',
      '--no-color',
      // A plugin's packageManager field must not make pnpm fetch another pnpm, nor refuse.
      '--config.manage-package-manager-versions=false',
      '--config.package-manager-strict=false',
      '--config.update-notifier=false',
      '--config.confirm-modules-purge=false',
      // pnpm 11 fails an install whose dependencies have unreviewed build scripts by default;
      // here they are either all skipped or all allowed, so there is nothing to review.
      '--config.strict-dep-builds=false',
      // A pnpmfile's hooks run code during resolution even with scripts off (shipped ones are
      // also deleted); a registry package's own git or URL dependencies fail the install (pnpm
      // has fetched them to resolve them by then, but installs nothing); and `engines.runtime` /
      // `devEngines.runtime` must not download a Node.js from outside the registry.
      '--ignore-pnpmfile',
      '--config.block-exotic-subdeps=true',
      '--config.runtime-on-fail=ignore',
    ],
    allowScriptsFlag: '--dangerously-allow-all-builds',
  });
}
