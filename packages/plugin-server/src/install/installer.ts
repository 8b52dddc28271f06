/**
 * @module Installs a plugin's dependencies into its own folder: removes the installer
 * configuration it ships, prepares its package.json, refuses anything that is not a registry
 * package, skips the install when nothing is left to fetch, and otherwise runs the first
 * available installer (bun, npm or pnpm) of the configured order.
 */
import { createRequire } from 'node:module';
import { ServerError } from '../errors.ts';
import { createBunInstaller } from './bun-installer.ts';
import type { Confine } from './run-install-tool.ts';
import { createNpmInstaller } from './npm-installer.ts';
import { stripPlugboardDependencies } from './plugboard-dependencies.ts';
import { createPnpmInstaller } from './pnpm-installer.ts';
import { checkRegistryOnly } from './registry-only.ts';
import { removeShippedInstallerConfig } from './shipped-config.ts';

export type InstallerName = 'bun' | 'npm' | 'pnpm';

/** From the server's config. */
export interface InstallSettings {
  /** Private registry URL; without it each tool uses its own configuration. */
  readonly registry?: string;
  /** Install only from the cache. */
  readonly offline: boolean;
  /** Run dependency install scripts (default false). */
  readonly allowScripts: boolean;
  /** Cache folder shared by all plugins; each tool keeps its own subfolder. */
  readonly cacheDir: string;
  readonly timeoutMs: number;
}

export interface InstallRequest {
  /** The plugin's folder, holding its package.json. */
  readonly dir: string;
  /** Runs each install tool in the server's installer sandbox. */
  readonly confine?: Confine | undefined;
  readonly signal?: AbortSignal;
  readonly log: (line: string) => void;
}

export interface InstallResult {
  readonly installer: InstallerName | 'none';
  readonly durationMs: number;
  readonly skipped: boolean;
}

export interface Installer {
  readonly name: InstallerName;
  available(): Promise<boolean>;
  install(request: InstallRequest, settings: InstallSettings): Promise<void>;
}

const DEFAULT_INSTALLER_ORDER: readonly InstallerName[] = ['bun', 'npm'];

/** bun ships as a platform-specific optional dependency, so it may be absent. */
function bundledBun(): string | undefined {
  try {
    return createRequire(import.meta.url).resolve('@oven/bun-linux-x64/bin/bun');
  } catch {
    return undefined;
  }
}

let defaultInstallers: Record<InstallerName, Installer> | undefined;

export function createInstallers(
  options: { bunBinary?: string; npmBinary?: string; pnpmBinary?: string } = {},
): Record<InstallerName, Installer> {
  return {
    bun: createBunInstaller(options.bunBinary ?? bundledBun()),
    npm: createNpmInstaller(options.npmBinary ?? 'npm'),
    pnpm: createPnpmInstaller(options.pnpmBinary ?? 'pnpm'),
  };
}

/**
 * Removes shipped installer configuration, prepares package.json (strips `@plugboard/*`), refuses
 * non-registry dependencies (PSRV_PACKAGE_INVALID), skips when there is nothing to install, else
 * uses the first available installer of `order` (default bun, then npm).
 */
export async function installDependencies(
  request: InstallRequest,
  settings: InstallSettings,
  options: { order?: readonly InstallerName[]; installers?: Record<InstallerName, Installer> } = {},
): Promise<InstallResult> {
  const started = performance.now();
  const elapsed = (): number => Math.round(performance.now() - started);
  if (request.signal?.aborted === true) {
    throw new ServerError('PSRV_INSTALL_FAILED', 'dependency install was cancelled');
  }
  await removeShippedInstallerConfig(request.dir, request.log);
  const { installable } = await stripPlugboardDependencies(request.dir, request.log);
  // Also when nothing is left to install: the rule is the package's, not this install's.
  await checkRegistryOnly(request.dir, settings);
  if (installable === 0) {
    request.log('[install] no dependencies to install; skipped');
    return { installer: 'none', durationMs: elapsed(), skipped: true };
  }
  const order = options.order ?? DEFAULT_INSTALLER_ORDER;
  // Shared so each installer probes its binary once per server, not once per install.
  const installers = options.installers ?? (defaultInstallers ??= createInstallers());
  for (const name of order) {
    const installer = installers[name];
    if (await installer.available()) {
      const what = installable === 1 ? 'dependency' : 'dependencies';
      request.log(`[install] installing ${String(installable)} ${what} with ${name}`);
      await installer.install(request, settings);
      const durationMs = elapsed();
      request.log(`[install] done with ${name} in ${String(durationMs)} ms`);
      return { installer: name, durationMs, skipped: false };
    }
    request.log(`[install] ${name} is not available on this server`);
  }
  throw new ServerError(
    'PSRV_CONFIG_INVALID',
    `no dependency installer is available (tried ${order.join(', ')})`,
    { details: { order } },
  );
}
