/**
 * @module The registry-only rule for pnpm's lockfile (pnpm-lock.yaml, lockfile v5 to v9): one
 * importer (the package itself), registry specifiers, every locked version an exact registry one
 * (no `link:`, `file:` or URL), and every resolution an integrity or a registry tarball (no
 * folder, git repository or other URL).
 */
import { parse } from 'yaml';
import { ServerError } from '../errors.ts';
import { checkPnpmOverrides, fieldRefusal, isObject } from './manifest-rules.ts';
import {
  isExactVersion,
  isExemptPlugboardEntry,
  refusal,
  requireRegistrySpec,
  requireRegistryTarball,
  shown,
  splitAtName,
  type Place,
} from './registry-spec.ts';

const FILE = 'pnpm-lock.yaml';
const DEPENDENCY_FIELDS = ['dependencies', 'devDependencies', 'optionalDependencies'] as const;

export function parsePnpmLock(text: string): Record<string, unknown> {
  let value: unknown;
  try {
    value = parse(text);
  } catch (cause) {
    throw new ServerError('PSRV_PACKAGE_INVALID', `${FILE} is not valid YAML; regenerate it`, {
      details: { where: FILE },
      cause,
    });
  }
  if (!isObject(value)) {
    throw new ServerError('PSRV_PACKAGE_INVALID', `${FILE} does not hold a map; regenerate it`, {
      details: { where: FILE },
    });
  }
  return value;
}

function entries(where: string, value: unknown): [string, unknown][] {
  if (value === undefined || value === null) {
    return [];
  }
  if (!isObject(value)) {
    throw fieldRefusal(where, 'is not a map', `regenerate ${FILE}`);
  }
  return Object.entries(value);
}

/**
 * Splits a locked version or package key into name and exact version: `1.2.3`, with peers
 * `1.2.3(react@18.0.0)`, an alias `other@1.2.3`, and lockfile v5's `/other/1.2.3_react@18.0.0`.
 * `link:`, `file:` and URLs come out as a version that is not an exact one.
 */
function splitLocked(name: string, text: string): { name: string; version: string } {
  const bare = text.split('(')[0] ?? '';
  if (!bare.startsWith('/')) {
    const split = bare.includes('@') ? splitAtName(bare) : { name, rest: bare };
    return { name: split.name, version: split.rest ?? '' };
  }
  const path = bare.slice(1);
  const split = splitAtName(path);
  if (split.rest !== undefined) {
    return { name: split.name, version: split.rest };
  }
  const slash = path.lastIndexOf('/');
  return { name: path.slice(0, slash), version: path.slice(slash + 1).split('_')[0] ?? '' };
}

function checkLockedVersion(place: Place, name: string, value: unknown): void {
  const text = shown(value);
  const locked = splitLocked(name, text);
  // Not for an alias: `foo` locked to `@plugboard/sdk@link:…` is still a folder.
  if (locked.name === name && isExemptPlugboardEntry(name, locked.version)) {
    return;
  }
  if (typeof value !== 'string' || !isExactVersion(locked.name, locked.version)) {
    throw refusal(place, text, 'it is not an exact registry version');
  }
}

function checkLockedMap(where: string, deps: unknown): void {
  for (const [name, version] of entries(where, deps)) {
    checkLockedVersion({ where, dependency: name }, name, version);
  }
}

/** An importer's dependency: `{ specifier, version }` (v6+), or a version alone (v5). */
function checkImporter(importer: unknown, at: { where: string; specifiers?: unknown }): void {
  const own = isObject(importer) ? importer : {};
  // Lockfile v5 kept these at the top level: `pnpm-lock.yaml dependencies`.
  const fieldWhere = (field: string): string =>
    at.where === FILE ? `${FILE} ${field}` : `${at.where}.${field}`;
  for (const field of DEPENDENCY_FIELDS) {
    for (const [name, locked] of entries(fieldWhere(field), own[field])) {
      const place = { where: fieldWhere(field), dependency: name };
      const spec = isObject(locked) ? locked['specifier'] : undefined;
      if (spec !== undefined && !(typeof spec === 'string' && isExemptPlugboardEntry(name, spec))) {
        requireRegistrySpec(place, name, spec);
      }
      // Checked for @plugboard/* too: a local path passes, a URL or repository does not.
      checkLockedVersion(place, name, isObject(locked) ? locked['version'] : locked);
    }
  }
  for (const [name, spec] of entries(fieldWhere('specifiers'), at.specifiers)) {
    if (!(typeof spec === 'string' && isExemptPlugboardEntry(name, spec))) {
      requireRegistrySpec({ where: fieldWhere('specifiers'), dependency: name }, name, spec);
    }
  }
}

const SOURCES: Readonly<Record<string, string>> = {
  directory: 'a folder',
  path: 'a folder',
  repo: 'a git repository',
  commit: 'a git repository',
  type: 'a folder or git repository',
};

/** Registry packages carry an integrity, or a tarball URL for registries with their own layout. */
function checkResolution(place: Place, resolution: unknown, registries: readonly string[]): void {
  const own = isObject(resolution) ? resolution : {};
  const source = Object.keys(SOURCES).find((key) => own[key] !== undefined);
  if (source !== undefined) {
    const what = own['type'] === 'git' ? 'a git repository' : SOURCES[source];
    throw refusal(place, JSON.stringify(resolution), `it resolves to ${String(what)}`);
  }
  if (own['tarball'] !== undefined) {
    requireRegistryTarball(place, own['tarball'], registries);
  } else if (typeof own['integrity'] !== 'string') {
    throw refusal(place, JSON.stringify(resolution), 'it has no registry integrity');
  }
}

/** `packages` and `snapshots` keys are `name@version(peers)` (v9) or `/name/version` (v5). */
function checkPackages(field: string, packages: unknown, registries: readonly string[]): void {
  const where = `${FILE} ${field}`;
  for (const [key, entry] of entries(where, packages)) {
    const place = { where, dependency: key };
    const own = isObject(entry) ? entry : {};
    const locked = splitLocked('', key.startsWith('/') ? key : `/${key}`);
    const resolution = isObject(own['resolution']) ? own['resolution'] : {};
    // A @plugboard/* folder is left in place, never fetched; a URL or repository is still checked.
    const exempt =
      isExemptPlugboardEntry(locked.name, locked.version) &&
      resolution['tarball'] === undefined &&
      resolution['repo'] === undefined;
    if (exempt) {
      continue;
    }
    if (!isExactVersion(locked.name, locked.version)) {
      throw refusal(place, key, 'it is not an exact registry version');
    }
    if (field === 'packages') {
      checkResolution(place, own['resolution'], registries);
    }
    for (const deps of ['dependencies', 'optionalDependencies'] as const) {
      checkLockedMap(`${where}["${key}"].${deps}`, own[deps]);
    }
  }
}

export function checkPnpmLock(lock: Record<string, unknown>, registries: readonly string[]): void {
  for (const [path, importer] of entries(`${FILE} importers`, lock['importers'])) {
    if (path !== '.') {
      throw fieldRefusal(
        `${FILE} importers`,
        `lists the workspace project "${path}", which installs a folder instead of a registry package`,
        `remove the workspace and regenerate ${FILE}`,
      );
    }
    checkImporter(importer, { where: `${FILE} importers["."]` });
  }
  // Lockfile v5 kept the single project's dependencies at the top level.
  checkImporter(lock, { where: FILE, specifiers: lock['specifiers'] });
  checkPnpmOverrides(`${FILE} overrides`, lock['overrides']);
  const patched = lock['patchedDependencies'];
  if (isObject(patched) && Object.keys(patched).length > 0) {
    throw fieldRefusal(
      `${FILE} patchedDependencies`,
      'patches change the code of registry packages at install time',
      `remove the patches and regenerate ${FILE}`,
    );
  }
  for (const [name, catalog] of entries(`${FILE} catalogs`, lock['catalogs'])) {
    checkImporter({ dependencies: catalog }, { where: `${FILE} catalogs["${name}"]` });
  }
  checkPackages('packages', lock['packages'], registries);
  checkPackages('snapshots', lock['snapshots'], registries);
}
