/**
 * @module Refuses, before any installer runs, a package whose package.json or lockfiles would
 * make an installer fetch anything but registry packages: git, URLs, tarballs and folders of the
 * package, workspaces, patches and bundled code. Every lockfile present is checked, not just the
 * installer's own: npm reads yarn.lock, and bun migrates package-lock.json, yarn.lock and
 * pnpm-lock.yaml into its own.
 */
import { readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { ServerError } from '../errors.ts';
import { checkBunLock, parseBunLock } from './bun-lockfile-rules.ts';
import { checkManifest, isObject } from './manifest-rules.ts';
import { checkNpmLockfile } from './npm-lockfile-rules.ts';
import { checkPnpmLock, parsePnpmLock } from './pnpm-lockfile-rules.ts';
import { acceptedRegistries } from './registry-spec.ts';
import { checkYarnLock, parseYarnLock } from './yarn-lockfile-rules.ts';

async function readText(dir: string, name: string): Promise<string | undefined> {
  try {
    return await readFile(join(dir, name), 'utf8');
  } catch (cause) {
    if ((cause as NodeJS.ErrnoException).code === 'ENOENT') {
      return undefined;
    }
    throw new ServerError('PSRV_PACKAGE_INVALID', `${name} cannot be read`, {
      details: { where: name },
      cause,
    });
  }
}

function parseJson(name: string, text: string): Record<string, unknown> {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    value = undefined;
  }
  if (!isObject(value)) {
    throw new ServerError('PSRV_PACKAGE_INVALID', `${name} is not a JSON object; regenerate it`, {
      details: { where: name },
    });
  }
  return value;
}

/**
 * bun's binary lockfile cannot be read here, so what it would fetch cannot be checked. It is
 * refused rather than deleted: deleting it would quietly install versions other than the ones the
 * plugin's author locked, while the text lockfile bun writes since 1.2 can be checked and used.
 */
async function refuseBinaryBunLock(dir: string): Promise<void> {
  const found = await stat(join(dir, 'bun.lockb')).then(
    () => true,
    () => false,
  );
  if (found) {
    throw new ServerError(
      'PSRV_PACKAGE_INVALID',
      'bun.lockb is a binary lockfile whose sources cannot be checked; commit a text bun.lock instead (`bun install --save-text-lockfile`, the default since bun 1.2) and delete bun.lockb, or delete it to install without a lockfile',
      { details: { where: 'bun.lockb' } },
    );
  }
}

/**
 * Checks `<dir>/package.json` and every lockfile next to it. Lockfiles may name npm's default
 * registry, the configured one, or one the operator's `.npmrc` sets.
 */
export async function checkRegistryOnly(
  dir: string,
  settings: { readonly registry?: string | undefined; readonly cacheDir: string },
): Promise<void> {
  const registries = await acceptedRegistries(settings);
  const manifest = await readText(dir, 'package.json');
  if (manifest !== undefined) {
    checkManifest(parseJson('package.json', manifest));
  }
  for (const name of ['npm-shrinkwrap.json', 'package-lock.json']) {
    const text = await readText(dir, name);
    if (text !== undefined) {
      checkNpmLockfile(name, parseJson(name, text), registries);
    }
  }
  await refuseBinaryBunLock(dir);
  const bunLock = await readText(dir, 'bun.lock');
  if (bunLock !== undefined) {
    checkBunLock(parseBunLock(bunLock), registries);
  }
  const pnpmLock = await readText(dir, 'pnpm-lock.yaml');
  if (pnpmLock !== undefined) {
    checkPnpmLock(parsePnpmLock(pnpmLock), registries);
  }
  const yarnLock = await readText(dir, 'yarn.lock');
  if (yarnLock !== undefined) {
    checkYarnLock(parseYarnLock(yarnLock), registries);
  }
}
