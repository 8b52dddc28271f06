/**
 * @module The registry-only rule for yarn.lock. No installer here is yarn, but npm reads a
 * yarn.lock as a guide to what it resolves and bun migrates one into its own lockfile, so its
 * entries must be registry ones too: registry descriptors, and tarballs (yarn 1) or resolutions
 * (yarn 2+) of the registry.
 */
import { parseSyml } from '@yarnpkg/parsers';
import { ServerError } from '../errors.ts';
import { fieldRefusal, isObject } from './manifest-rules.ts';
import {
  isExactVersion,
  isExemptPlugboardEntry,
  refusal,
  requireRegistrySpec,
  requireRegistryTarball,
  shown,
  splitAtName,
} from './registry-spec.ts';

const FILE = 'yarn.lock';
/** yarn 1's default registry, an alias of npm's that its lockfiles name. */
const YARN_REGISTRY = 'https://registry.yarnpkg.com/';
/** yarn 2+ names the project itself this way. */
const ROOT_WORKSPACE = 'workspace:.';

/** yarn's own parser, for both the yarn 1 format and the YAML of yarn 2+. */
export function parseYarnLock(text: string): Record<string, unknown> {
  try {
    return parseSyml(text);
  } catch (cause) {
    throw new ServerError(
      'PSRV_PACKAGE_INVALID',
      `${FILE} cannot be read; regenerate it with yarn, or delete it`,
      { details: { where: FILE }, cause },
    );
  }
}

/** yarn 2+ writes registry ranges as `npm:^1.2.0`; an `npm:name@range` alias stays one. */
function withoutNpmProtocol(range: string): string {
  if (range.startsWith('npm:') && splitAtName(range.slice(4)).rest === undefined) {
    return range.slice(4);
  }
  return range;
}

function checkDescriptor(descriptor: string): void {
  const { name, rest } = splitAtName(descriptor);
  if (rest === ROOT_WORKSPACE) {
    return;
  }
  const range = withoutNpmProtocol(rest ?? '*');
  if (!isExemptPlugboardEntry(name, range)) {
    requireRegistrySpec({ where: FILE, dependency: descriptor }, name, range);
  }
}

function checkEntry(key: string, entry: unknown, registries: readonly string[]): void {
  if (!isObject(entry)) {
    throw fieldRefusal(`${FILE} "${key}"`, 'is not an entry', `regenerate ${FILE}`);
  }
  const descriptors = key.split(',').map((d) => d.trim());
  for (const descriptor of descriptors) {
    checkDescriptor(descriptor);
  }
  const place = { where: FILE, dependency: key };
  if (entry['resolved'] !== undefined) {
    requireRegistryTarball(place, entry['resolved'], registries);
  }
  const resolution = entry['resolution'];
  if (resolution !== undefined) {
    const { name, rest = '' } = splitAtName(shown(resolution));
    const locked = withoutNpmProtocol(rest);
    // Not for an alias: `foo` resolved to `@plugboard/sdk@file:…` is still a folder.
    const ownName = descriptors.every((d) => splitAtName(d).name === name);
    const allowed =
      rest === ROOT_WORKSPACE ||
      (ownName && isExemptPlugboardEntry(name, locked)) ||
      (rest.startsWith('npm:') && isExactVersion(name, locked));
    if (!allowed) {
      throw refusal(place, shown(resolution), 'it does not resolve to an exact registry version');
    }
  }
}

export function checkYarnLock(lock: Record<string, unknown>, registries: readonly string[]): void {
  const all = [...registries, YARN_REGISTRY];
  for (const [key, entry] of Object.entries(lock)) {
    if (key !== '__metadata') {
      checkEntry(key, entry, all);
    }
  }
}
