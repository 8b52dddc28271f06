/**
 * @module Installs with npm: always present where Node is, so the fallback.
 */
import { join } from 'node:path';
import type { Installer } from './installer.ts';
import { frozenLockfile } from './plugboard-dependencies.ts';
import { installEnvironment, probeBinary, runInstallTool } from './run-install-tool.ts';

export function createNpmInstaller(binary: string): Installer {
  let probe: Promise<boolean> | undefined;
  return {
    name: 'npm',
    available: () => (probe ??= probeBinary(binary)),
    async install(request, settings) {
      const startedAt = performance.now();
      const lockfile = await frozenLockfile(
        request.dir,
        ['npm-shrinkwrap.json', 'package-lock.json'],
        request.log,
      );
      const args = [
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
      ];
      // npm 11 runs unreviewed dependency scripts with only a warning, so they are switched off
      // outright; --allow-scripts is refused for project installs, hence the long flag.
      args.push(settings.allowScripts ? '--dangerously-allow-all-scripts' : '--ignore-scripts');
      if (settings.offline) {
        args.push('--offline');
      }
      if (settings.registry !== undefined) {
        args.push(`--registry=${settings.registry}`);
      }
      await runInstallTool({
        installer: 'npm',
        binary,
        args,
        dir: request.dir,
        confine: request.confine,
        env: await installEnvironment(settings.cacheDir),
        timeoutMs: settings.timeoutMs,
        startedAt,
        signal: request.signal,
        log: request.log,
      });
    },
  };
}
