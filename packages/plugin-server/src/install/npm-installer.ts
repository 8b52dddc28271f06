/**
 * @module Installs with npm: always present where Node is, so the fallback.
 */
import { join } from 'node:path';
import type { Installer } from './installer.ts';
import { createToolInstaller } from './tool-installer.ts';

export function createNpmInstaller(binary: string): Installer {
  return createToolInstaller({
    name: 'npm',
    binary,
    lockfiles: ['npm-shrinkwrap.json', 'package-lock.json'],
    args: (lockfile, settings) => [
      lockfile === undefined ? 'install' : 'ci',
      '--omit=dev',
      `--cache=${join(settings.cacheDir, 'npm')}`,
      '--no-audit',
      '--no-fund',
      '--no-progress',
      '--no-update-notifier',
      '--color=false',
      // The package's own dependencies are checked before the install; these keep a registry
      // package's dependencies (fetched during the install, unchecked) on the registry too.
      '--allow-git=none',
      '--allow-remote=none',
      '--allow-file=none',
      '--allow-directory=none',
    ],
    // npm 11 runs unreviewed dependency scripts with only a warning, so they are switched off
    // outright; --allow-scripts is refused for project installs, hence the long flag.
    allowScriptsFlag: '--dangerously-allow-all-scripts',
  });
}
