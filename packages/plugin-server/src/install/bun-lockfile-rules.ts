/**
 * @module The registry-only rule for bun's text lockfile (bun.lock): the root workspace's
 * specifiers, overrides and catalogs are registry ones, there are no other workspaces or patches,
 * and every package entry resolves to an exact registry version fetched from the registry.
 */
import { parse, printParseErrorCode, type ParseError } from 'jsonc-parser';
import { ServerError } from '../errors.ts';
import { checkDependencyMap, fieldRefusal, isObject } from './manifest-rules.ts';
import {
  isExactVersion,
  isExemptPlugboardEntry,
  refusal,
  requireRegistryTarball,
  splitAtName,
} from './registry-spec.ts';

const FILE = 'bun.lock';
const ROOT_FIELDS = [
  'dependencies',
  'devDependencies',
  'peerDependencies',
  'optionalDependencies',
] as const;

/**
 * bun.lock is JSON with trailing commas (bun's JSONC). jsonc-parser, the parser behind VS Code's
 * JSON support, reads it; since it also recovers from errors, any error refuses the file rather
 * than checking a partly read one.
 */
export function parseBunLock(text: string): Record<string, unknown> {
  const errors: ParseError[] = [];
  const value: unknown = parse(text, errors, { allowTrailingComma: true });
  const first = errors[0];
  if (first !== undefined || !isObject(value)) {
    const why =
      first === undefined
        ? 'does not hold an object'
        : `cannot be read (${printParseErrorCode(first.error)} at offset ${String(first.offset)})`;
    throw new ServerError(
      'PSRV_PACKAGE_INVALID',
      `${FILE} ${why}; regenerate it with bun install, or delete it`,
      { details: { where: FILE } },
    );
  }
  return value;
}

function checkWorkspaces(workspaces: unknown): void {
  if (workspaces === undefined) {
    return;
  }
  if (!isObject(workspaces)) {
    throw fieldRefusal(`${FILE} workspaces`, 'is not an object', `regenerate ${FILE}`);
  }
  for (const [path, workspace] of Object.entries(workspaces)) {
    if (path !== '') {
      throw fieldRefusal(
        `${FILE} workspaces`,
        `lists the workspace "${path}", which installs a folder of the package instead of a registry package`,
        `remove workspaces from package.json and regenerate ${FILE}`,
      );
    }
    for (const field of ROOT_FIELDS) {
      checkDependencyMap(
        `${FILE} workspaces[""].${field}`,
        isObject(workspace) ? workspace[field] : {},
      );
    }
  }
}

/** `[ "name@resolution", "<tarball URL or empty>", {…}, "integrity" ]` for a registry package. */
function checkPackages(packages: unknown, registries: readonly string[]): void {
  if (packages === undefined) {
    return;
  }
  if (!isObject(packages)) {
    throw fieldRefusal(`${FILE} packages`, 'is not an object', `regenerate ${FILE}`);
  }
  for (const [key, entry] of Object.entries(packages)) {
    const place = { where: `${FILE} packages`, dependency: key };
    const [resolution, tarball] = Array.isArray(entry) ? (entry as unknown[]) : [];
    if (typeof resolution !== 'string') {
      throw fieldRefusal(
        `${FILE} packages["${key}"]`,
        'is not a package entry',
        `regenerate ${FILE}`,
      );
    }
    const { name, rest } = splitAtName(resolution);
    // Not for an alias: `foo` resolved to `@plugboard/sdk@file:…` is still a folder.
    if (rest !== undefined && name === key && isExemptPlugboardEntry(name, rest)) {
      continue;
    }
    if (rest === undefined || !isExactVersion(name, rest)) {
      throw refusal(place, resolution, 'it does not resolve to an exact registry version');
    }
    // Empty for the default registry, else the tarball's URL.
    if (tarball !== '') {
      requireRegistryTarball(place, tarball, registries);
    }
  }
}

export function checkBunLock(lock: Record<string, unknown>, registries: readonly string[]): void {
  checkWorkspaces(lock['workspaces']);
  checkDependencyMap(`${FILE} overrides`, lock['overrides']);
  checkDependencyMap(`${FILE} catalog`, lock['catalog']);
  const catalogs = lock['catalogs'];
  for (const [name, catalog] of isObject(catalogs) ? Object.entries(catalogs) : []) {
    checkDependencyMap(`${FILE} catalogs["${name}"]`, catalog);
  }
  const patched = lock['patchedDependencies'];
  if (isObject(patched) && Object.keys(patched).length > 0) {
    throw fieldRefusal(
      `${FILE} patchedDependencies`,
      'patches change the code of registry packages at install time',
      `remove patchedDependencies from package.json and regenerate ${FILE}`,
    );
  }
  checkPackages(lock['packages'], registries);
}
