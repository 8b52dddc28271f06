/**
 * @module Removes `@plugboard/*` from a plugin's package.json (and package-lock.json) before an
 * install. The process that serves a plugin supplies its own `@plugboard/sdk`; those packages are
 * not on any registry and must never be looked up there.
 */
import { readFile, writeFile } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { ServerError } from '../errors.ts';

const SCOPE = '@plugboard/';
const DEPENDENCY_FIELDS = [
  'dependencies',
  'devDependencies',
  'peerDependencies',
  'optionalDependencies',
] as const;
// devDependencies are never installed, so they alone do not make an install worth running.
const INSTALLED_FIELDS = ['dependencies', 'peerDependencies', 'optionalDependencies'] as const;

type Json = Record<string, unknown>;

function isObject(value: unknown): value is Json {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

async function readJson(path: string): Promise<Json | undefined> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (cause) {
    if ((cause as NodeJS.ErrnoException).code === 'ENOENT') {
      return undefined;
    }
    throw new ServerError('PSRV_INTERNAL', `could not read ${basename(path)}`, { cause });
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (cause) {
    throw new ServerError('PSRV_PACKAGE_INVALID', `${basename(path)} is not valid JSON`, { cause });
  }
  if (!isObject(parsed)) {
    throw new ServerError('PSRV_PACKAGE_INVALID', `${basename(path)} does not hold a JSON object`);
  }
  return parsed;
}

async function writeJson(path: string, value: Json): Promise<void> {
  await writeFile(path, `${JSON.stringify(value, null, 2)}\n`);
}

/** Deletes the `@plugboard/*` keys of `record[field]`; returns the names it deleted. */
function stripField(record: Json, field: string): string[] {
  const deps = record[field];
  if (!isObject(deps)) {
    return [];
  }
  const removed = Object.keys(deps).filter((name) => name.startsWith(SCOPE));
  if (removed.length > 0) {
    record[field] = Object.fromEntries(
      Object.entries(deps).filter(([name]) => !name.startsWith(SCOPE)),
    );
  }
  return removed;
}

/** A lockfile written while the SDK was a dependency would no longer match package.json. */
async function stripPackageLock(dir: string, log: (line: string) => void): Promise<void> {
  const path = join(dir, 'package-lock.json');
  const lock = await readJson(path);
  if (lock === undefined) {
    return;
  }
  let changed = false;
  const packages = lock['packages'];
  if (isObject(packages)) {
    const root = packages[''];
    if (isObject(root)) {
      for (const field of DEPENDENCY_FIELDS) {
        changed = stripField(root, field).length > 0 || changed;
      }
    }
    const kept = Object.entries(packages).filter(
      ([key]) => !key.startsWith(`node_modules/${SCOPE}`),
    );
    if (kept.length < Object.keys(packages).length) {
      lock['packages'] = Object.fromEntries(kept);
      changed = true;
    }
  }
  changed = stripField(lock, 'dependencies').length > 0 || changed;
  if (changed) {
    await writeJson(path, lock);
    log(`[install] removed ${SCOPE}* from package-lock.json`);
  }
}

export interface PreparedManifest {
  /** How many dependencies an install would fetch (devDependencies are never installed). */
  readonly installable: number;
}

/**
 * Rewrites `<dir>/package.json` without `@plugboard/*` in any dependency field, logging what it
 * removed, and returns how many installable dependencies remain.
 */
export async function stripPlugboardDependencies(
  dir: string,
  log: (line: string) => void,
): Promise<PreparedManifest> {
  const path = join(dir, 'package.json');
  const manifest = await readJson(path);
  if (manifest === undefined) {
    throw new ServerError('PSRV_PACKAGE_INVALID', 'the plugin has no package.json', {
      details: { dir },
    });
  }
  let removedAny = false;
  for (const field of DEPENDENCY_FIELDS) {
    const removed = stripField(manifest, field);
    if (removed.length > 0) {
      removedAny = true;
      log(
        `[install] removed ${removed.join(', ')} from ${field}: the plugin process supplies it, so it is never fetched from a registry`,
      );
    }
  }
  if (removedAny) {
    await writeJson(path, manifest);
  }
  await stripPackageLock(dir, log);
  const installable = INSTALLED_FIELDS.reduce((count, field) => {
    const deps = manifest[field];
    return count + (isObject(deps) ? Object.keys(deps).length : 0);
  }, 0);
  return { installable };
}

/**
 * The first of `names` that exists in `dir` and can be installed from frozen, if any. Text and
 * binary lockfiles other than package-lock.json are not rewritten here, so one that still names
 * `@plugboard/*` would make a frozen install fail; it is installed unfrozen instead (its other
 * versions still apply) and the tool prunes the entry.
 */
export async function frozenLockfile(
  dir: string,
  names: readonly string[],
  log: (line: string) => void,
): Promise<string | undefined> {
  for (const name of names) {
    let content: string;
    try {
      content = await readFile(join(dir, name), 'latin1');
    } catch {
      continue;
    }
    if (content.includes(SCOPE)) {
      log(`[install] ${name} names ${SCOPE}*, which was removed; installing without freezing it`);
      return undefined;
    }
    return name;
  }
  return undefined;
}
