/**
 * @module Installs with bun: the fastest of the three, hardlinking from its shared cache.
 */
import { join } from 'node:path';
import { ServerError } from '../errors.ts';
import type { Installer } from './installer.ts';
import { frozenLockfile } from './plugboard-dependencies.ts';
import { installEnvironment, probeBinary, runInstallTool } from './run-install-tool.ts';

// `bun pm trust --all` exits 1 when no dependency had a blocked script.
const NOTHING_TO_TRUST = /\b0 scripts ran\b/;

export function createBunInstaller(binary: string | undefined): Installer {
  let probe: Promise<boolean> | undefined;
  return {
    name: 'bun',
    available: () =>
      (probe ??= binary === undefined ? Promise.resolve(false) : probeBinary(binary)),
    async install(request, settings) {
      const startedAt = performance.now();
      if (binary === undefined) {
        throw new ServerError('PSRV_INSTALL_FAILED', 'bun is not available on this server');
      }
      const lockfile = await frozenLockfile(request.dir, ['bun.lock', 'bun.lockb'], request.log);
      // --omit=dev, not --production: --production also freezes the lockfile, which would refuse
      // a lockfile that still names the removed @plugboard/* packages. A plugin's .env must not
      // configure the install, hence --no-env-file.
      const args = ['install', '--omit=dev', '--no-progress', '--no-env-file'];
      if (lockfile !== undefined) {
        args.push('--frozen-lockfile');
      }
      if (!settings.allowScripts) {
        // Also skips the plugin's own lifecycle scripts and bun's built-in trusted list.
        args.push('--ignore-scripts');
      }
      if (settings.offline) {
        args.push('--offline');
      }
      if (settings.registry !== undefined) {
        args.push(`--registry=${settings.registry}`);
      }
      const env = await installEnvironment(settings.cacheDir, {
        BUN_INSTALL_CACHE_DIR: join(settings.cacheDir, 'bun'),
      });
      const run = {
        installer: 'bun',
        binary,
        dir: request.dir,
        env,
        timeoutMs: settings.timeoutMs,
        startedAt,
        signal: request.signal,
        log: request.log,
      };
      await runInstallTool({ ...run, args });
      if (settings.allowScripts) {
        // bun runs only the scripts of dependencies in trustedDependencies (and its own list);
        // trusting all of them after the install is the one way to run every script.
        await runInstallTool({
          ...run,
          args: ['pm', 'trust', '--all'],
          succeeded: (code, output) => code === 1 && output.some((l) => NOTHING_TO_TRUST.test(l)),
        });
      }
    },
  };
}
