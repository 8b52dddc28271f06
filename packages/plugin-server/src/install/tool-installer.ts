/**
 * @module An installer that is one command of a package manager (npm, pnpm): found on PATH, run
 * confined in the package folder, with the flags every such install shares (dependency scripts
 * off unless the operator allows them, offline, the operator's registry). Each manager brings
 * only its own flags.
 */
import type { Installer, InstallerName, InstallSettings } from './installer.ts';
import { frozenLockfile } from './plugboard-dependencies.ts';
import { installEnvironment, probeBinary, runInstallTool } from './run-install-tool.ts';

export interface ToolInstallerSpec {
  readonly name: Exclude<InstallerName, 'bun'>;
  readonly binary: string;
  /** The lockfiles it installs exactly from, first found wins. */
  readonly lockfiles: readonly string[];
  /** Its own flags, for an install from `lockfile` (undefined: it resolves the versions). */
  readonly args: (lockfile: string | undefined, settings: InstallSettings) => string[];
  /** Its flag that runs every dependency's scripts, when the operator allows them. */
  readonly allowScriptsFlag: string;
}

export function createToolInstaller(spec: ToolInstallerSpec): Installer {
  let probe: Promise<boolean> | undefined;
  return {
    name: spec.name,
    available: () => (probe ??= probeBinary(spec.binary)),
    async install(request, settings) {
      const startedAt = performance.now();
      const lockfile = await frozenLockfile(request.dir, spec.lockfiles, request.log);
      const args = [
        ...spec.args(lockfile, settings),
        settings.allowScripts ? spec.allowScriptsFlag : '--ignore-scripts',
        ...(settings.offline ? ['--offline'] : []),
        ...(settings.registry === undefined ? [] : [`--registry=${settings.registry}`]),
      ];
      await runInstallTool({
        installer: spec.name,
        binary: spec.binary,
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
