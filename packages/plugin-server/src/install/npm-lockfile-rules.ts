/**
 * @module The registry-only rule for npm's lockfiles (package-lock.json, npm-shrinkwrap.json):
 * every locked package lives under node_modules, is no link to a folder, and is fetched from a
 * tarball of the registry. Both the `packages` map (lockfile v2, v3) and the older `dependencies`
 * tree (v1, still read by npm) are checked.
 */
import { checkDependencyMap, fieldRefusal, isObject } from './manifest-rules.ts';
import {
  isExactVersion,
  isExemptPlugboardEntry,
  refusal,
  requireRegistrySpec,
  requireRegistryTarball,
  shown,
} from './registry-spec.ts';

const ROOT_FIELDS = [
  'dependencies',
  'devDependencies',
  'peerDependencies',
  'optionalDependencies',
] as const;

/** The package name of a `node_modules/a/node_modules/@s/b` key, or undefined for other keys. */
function nodeModulesName(key: string): string | undefined {
  const parts = key.split('/');
  let name: string | undefined;
  let index = 0;
  while (index < parts.length) {
    if (parts[index] !== 'node_modules') {
      return undefined;
    }
    const scoped = parts[index + 1]?.startsWith('@') === true;
    const segments = parts.slice(index + 1, index + (scoped ? 3 : 2));
    if (
      segments.length !== (scoped ? 2 : 1) ||
      segments.some((s) => s === '' || /^\.\.?$/.test(s))
    ) {
      return undefined;
    }
    name = segments.join('/');
    index += segments.length + 1;
  }
  return name;
}

function checkPackages(file: string, packages: unknown, registries: readonly string[]): void {
  if (packages === undefined) {
    return;
  }
  if (!isObject(packages)) {
    throw fieldRefusal(`${file} packages`, 'is not an object', `regenerate ${file}`);
  }
  for (const [key, entry] of Object.entries(packages)) {
    const where = `${file} packages`;
    if (!isObject(entry)) {
      throw fieldRefusal(`${where}["${key}"]`, 'is not an object', `regenerate ${file}`);
    }
    if (key === '') {
      // The lockfile's copy of package.json, which npm compares and may install from.
      for (const field of ROOT_FIELDS) {
        checkDependencyMap(`${file} packages[""].${field}`, entry[field]);
      }
      continue;
    }
    const place = { where, dependency: key };
    const name = nodeModulesName(key);
    if (name === undefined) {
      throw refusal(
        place,
        key,
        'it is a package outside node_modules (a workspace or a folder of the package)',
      );
    }
    if (entry['link'] === true) {
      throw refusal(place, shown(entry['resolved']), 'it is a link to a folder');
    }
    if (entry['resolved'] !== undefined) {
      requireRegistryTarball(place, entry['resolved'], registries);
    }
    const version = entry['version'];
    if (version !== undefined && !(typeof version === 'string' && isExactVersion(name, version))) {
      throw refusal(place, shown(version), 'its version is not an exact registry version');
    }
  }
}

/** Lockfile v1's nested tree: versions there are also where git, file and alias sources show. */
function checkDependencyTree(
  tree: unknown,
  registries: readonly string[],
  { file, path }: { file: string; path: string },
): void {
  if (tree === undefined) {
    return;
  }
  if (!isObject(tree)) {
    throw fieldRefusal(`${file} ${path}`, 'is not an object', `regenerate ${file}`);
  }
  for (const [name, entry] of Object.entries(tree)) {
    const place = { where: `${file} ${path}`, dependency: name };
    if (!isObject(entry)) {
      throw fieldRefusal(`${file} ${path}["${name}"]`, 'is not an object', `regenerate ${file}`);
    }
    const version = entry['version'];
    if (typeof version === 'string' && isExemptPlugboardEntry(name, version)) {
      continue;
    }
    // `npm:other@1.2.3` for an alias, an exact version otherwise.
    requireRegistrySpec(place, name, version);
    if (entry['resolved'] !== undefined) {
      requireRegistryTarball(place, entry['resolved'], registries);
    }
    checkDependencyTree(entry['dependencies'], registries, {
      file,
      path: `${path}["${name}"].dependencies`,
    });
  }
}

export function checkNpmLockfile(
  file: string,
  lock: Record<string, unknown>,
  registries: readonly string[],
): void {
  checkPackages(file, lock['packages'], registries);
  checkDependencyTree(lock['dependencies'], registries, { file, path: 'dependencies' });
}
