/**
 * @module The registry-only rule for package.json: every dependency field, npm's overrides,
 * yarn's and bun's resolutions, pnpm's overrides and package extensions hold registry
 * specifiers only, and nothing ships or patches dependency code (bundled dependencies, patches,
 * workspaces).
 */
import { ServerError } from '../errors.ts';
import {
  isExemptPlugboardEntry,
  PLUGBOARD_SCOPE,
  requireRegistrySpec,
  splitAtName,
  type Place,
} from './registry-spec.ts';

type Json = Record<string, unknown>;

const DEPENDENCY_FIELDS = [
  'dependencies',
  'devDependencies',
  'peerDependencies',
  'optionalDependencies',
] as const;

export function isObject(value: unknown): value is Json {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** A refusal of a whole field, not of one specifier. */
export function fieldRefusal(where: string, problem: string, whatToDo: string): ServerError {
  return new ServerError('PSRV_PACKAGE_INVALID', `${where}: ${problem}; ${whatToDo}`, {
    details: { where },
  });
}

function entriesOf(where: string, value: unknown): [string, unknown][] {
  if (value === undefined) {
    return [];
  }
  if (!isObject(value)) {
    throw fieldRefusal(where, 'is not an object', 'write it as { "name": "version range" }');
  }
  return Object.entries(value);
}

/**
 * Checks a name → specifier map: a lockfile's copy of a dependency field, or overrides. There a
 * `@plugboard/*` entry may be a local path (it is never fetched) but not git or a URL, which a
 * registry package depending on that name would reach.
 */
export function checkDependencyMap(where: string, deps: unknown): void {
  for (const [name, spec] of entriesOf(where, deps)) {
    if (!(typeof spec === 'string' && isExemptPlugboardEntry(name, spec))) {
      requireRegistrySpec({ where, dependency: name }, name, spec);
    }
  }
}

/** package.json's own fields: `@plugboard/*` is deleted from them before the install. */
function checkManifestDependencies(where: string, deps: unknown): void {
  for (const [name, spec] of entriesOf(where, deps)) {
    if (!name.startsWith(PLUGBOARD_SCOPE)) {
      requireRegistrySpec({ where, dependency: name }, name, spec);
    }
  }
}

/** An override value: a registry specifier, or `$name` (the root dependency's own, checked). */
function checkOverrideValue(place: Place, name: string, value: unknown): void {
  const reference = typeof value === 'string' && /^\$\S/.test(value);
  if (!reference && !(typeof value === 'string' && isExemptPlugboardEntry(name, value))) {
    requireRegistrySpec(place, name, value);
  }
}

/** The selector's own range must be a registry one too, so no tool reads it as a source. */
function checkSelector(where: string, selector: string): string {
  const { name, rest } = splitAtName(selector);
  if (rest !== undefined) {
    requireRegistrySpec({ where, dependency: selector }, name, rest);
  }
  return name;
}

/** npm's overrides: nested objects, `.` for the package itself, `$name` references. */
function checkNpmOverrides(where: string, overrides: unknown, parent?: string): void {
  for (const [key, value] of entriesOf(where, overrides)) {
    const name = key === '.' && parent !== undefined ? parent : checkSelector(where, key);
    if (isObject(value)) {
      checkNpmOverrides(where, value, name);
    } else {
      checkOverrideValue({ where, dependency: key }, name, value);
    }
  }
}

/** yarn's and bun's resolutions: keys are paths like `**\/a/b` or `@s/a/@s/b`. */
function checkResolutions(where: string, resolutions: unknown): void {
  for (const [key, value] of entriesOf(where, resolutions)) {
    const last = /(@[^/]+\/[^/]+|[^/]+)$/.exec(key)?.[1] ?? key;
    checkOverrideValue({ where, dependency: key }, checkSelector(where, last), value);
  }
}

/** pnpm's overrides: flat keys like `a`, `a@1`, `b>a`; `-` removes a dependency. */
export function checkPnpmOverrides(where: string, overrides: unknown): void {
  for (const [key, value] of entriesOf(where, overrides)) {
    const last = key.split('>').at(-1) ?? key;
    const name = checkSelector(where, last);
    if (value !== '-') {
      checkOverrideValue({ where, dependency: key }, name, value);
    }
  }
}

function refuseNonEmpty(
  where: string,
  value: unknown,
  why: { problem: string; whatToDo: string },
): void {
  const empty =
    value === undefined ||
    value === false ||
    (Array.isArray(value) && value.length === 0) ||
    (isObject(value) && Object.keys(value).length === 0);
  if (!empty) {
    throw fieldRefusal(where, why.problem, why.whatToDo);
  }
}

/** Refuses package.json unless everything it would have installed comes from the registry. */
export function checkManifest(manifest: Json): void {
  for (const field of DEPENDENCY_FIELDS) {
    checkManifestDependencies(`package.json ${field}`, manifest[field]);
  }
  for (const field of ['bundleDependencies', 'bundledDependencies']) {
    refuseNonEmpty(`package.json ${field}`, manifest[field], {
      problem:
        'bundled dependencies ship their code inside the package instead of coming from the registry',
      whatToDo: `remove ${field}, and depend on the registry versions of those packages`,
    });
  }
  refuseNonEmpty('package.json workspaces', manifest['workspaces'], {
    problem: 'workspaces install packages from folders of the package instead of the registry',
    whatToDo:
      'remove workspaces: a plugin is one package, and its dependencies come from the registry',
  });
  refuseNonEmpty('package.json patchedDependencies', manifest['patchedDependencies'], {
    problem: 'patches change the code of registry packages at install time',
    whatToDo:
      'remove patchedDependencies; publish a patched package to the registry if one is needed',
  });
  checkNpmOverrides('package.json overrides', manifest['overrides']);
  checkResolutions('package.json resolutions', manifest['resolutions']);
  const pnpm = manifest['pnpm'];
  if (pnpm !== undefined) {
    if (!isObject(pnpm)) {
      throw fieldRefusal('package.json pnpm', 'is not an object', 'remove it');
    }
    checkPnpmOverrides('package.json pnpm.overrides', pnpm['overrides']);
    refuseNonEmpty('package.json pnpm.patchedDependencies', pnpm['patchedDependencies'], {
      problem: 'patches change the code of registry packages at install time',
      whatToDo:
        'remove pnpm.patchedDependencies; publish a patched package to the registry if one is needed',
    });
    for (const [selector, extension] of entriesOf(
      'package.json pnpm.packageExtensions',
      pnpm['packageExtensions'],
    )) {
      const where = `package.json pnpm.packageExtensions["${selector}"]`;
      checkSelector('package.json pnpm.packageExtensions', selector);
      for (const field of DEPENDENCY_FIELDS) {
        checkDependencyMap(`${where}.${field}`, isObject(extension) ? extension[field] : {});
      }
    }
  }
}
