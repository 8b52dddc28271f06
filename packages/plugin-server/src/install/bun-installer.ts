/**
 * @module Installs with bun: the fastest of the three, hardlinking from its shared cache.
 */
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { ServerError } from '../errors.ts';
import type { Installer, InstallSettings } from './installer.ts';
import { checkBunLock, parseBunLock } from './bun-lockfile-rules.ts';
import { frozenLockfile } from './plugboard-dependencies.ts';
import { acceptedRegistries } from './registry-spec.ts';
import { installEnvironment, probeBinary, runInstallTool } from './run-install-tool.ts';

// `bun pm trust --all` exits 1 when no dependency had a blocked script.
const NOTHING_TO_TRUST = /\b0 scripts ran\b/;

/**
 * The bunfig.toml bun is pointed at with --config, in place of the package's own: --config
 * replaces the project's file, so a shipped one is ignored even if it were not deleted. Written
 * once; an operator may put server-wide bun settings in it.
 */
async function serverBunfig(cacheDir: string): Promise<string> {
  const path = join(cacheDir, 'bunfig.toml');
  await mkdir(cacheDir, { recursive: true });
  await writeFile(
    path,
    "# Passed to bun as --config by the Plugin Server, so a plugin's own bunfig.toml is never read.\n",
    { flag: 'wx' },
  ).catch((cause: unknown) => {
    if ((cause as NodeJS.ErrnoException).code !== 'EEXIST') {
      throw cause;
    }
  });
  return path;
}

/**
 * bun has no switch like npm's --allow-git/--allow-remote or pnpm's block-exotic-subdeps, so a
 * registry package's own git or URL dependency is fetched. The lockfile bun just wrote records
 * it; checking it fails the install before any dependency script is run by `bun pm trust`, and
 * the failed install's folder is removed, so the plugin never runs with it.
 */
async function refuseResolvedSources(dir: string, settings: InstallSettings): Promise<void> {
  const text = await readFile(join(dir, 'bun.lock'), 'utf8').catch(() => undefined);
  if (text === undefined) {
    return;
  }
  try {
    checkBunLock(parseBunLock(text), await acceptedRegistries(settings));
  } catch (cause) {
    const details = cause instanceof ServerError ? cause.details : undefined;
    const what =
      typeof details?.['dependency'] === 'string' && typeof details['value'] === 'string'
        ? `"${details['dependency']}" as ${JSON.stringify(details['value'])}`
        : 'something';
    throw new ServerError(
      'PSRV_INSTALL_FAILED',
      `a dependency's own dependencies made bun install ${what}, which is not from the registry; depend on a version of that dependency without it, or pin it to a registry version with "overrides" in package.json`,
      { details: { installer: 'bun', ...details }, cause },
    );
  }
}

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
      const lockfile = await frozenLockfile(request.dir, ['bun.lock'], request.log);
      // --omit=dev, not --production: --production also freezes the lockfile, which would refuse
      // a lockfile that still names the removed @plugboard/* packages. A plugin's .env files and
      // bunfig.toml must not configure bun, hence --no-env-file and --config on every command.
      const serverOwned = [`--config=${await serverBunfig(settings.cacheDir)}`, '--no-env-file'];
      const args = ['install', '--omit=dev', '--no-progress', ...serverOwned];
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
        confine: request.confine,
        env,
        timeoutMs: settings.timeoutMs,
        startedAt,
        signal: request.signal,
        log: request.log,
      };
      await runInstallTool({ ...run, args });
      await refuseResolvedSources(request.dir, settings);
      if (settings.allowScripts) {
        // bun runs only the scripts of dependencies in trustedDependencies (and its own list);
        // trusting all of them after the install is the one way to run every script.
        await runInstallTool({
          ...run,
          args: ['pm', 'trust', '--all', ...serverOwned],
          succeeded: (code, output) => code === 1 && output.some((l) => NOTHING_TO_TRUST.test(l)),
        });
      }
    },
  };
}
