/**
 * @module The registry-only rule for one dependency specifier or tarball URL, and the refusal
 * that names the dependency, the place, the rule and what to do instead.
 */
import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { ServerError } from '../errors.ts';
import { operatorNpmrc } from './run-install-tool.ts';

/** The fields of npm-package-arg's result that the rule reads. */
interface ParsedSpec {
  readonly type: 'version' | 'range' | 'tag' | 'alias' | 'file' | 'directory' | 'git' | 'remote';
  readonly name: string | null | undefined;
  readonly rawSpec: string;
  readonly subSpec?: ParsedSpec;
}

// npm's own parser, not patterns of ours: whatever npm would fetch from somewhere other than the
// registry (git in all its shorthands, URLs, tarball files, folders) it classifies as such, and
// it refuses the protocols npm does not know (link:, portal:, workspace:, catalog:, jsr:, …). It
// ships no types, hence the require and the narrow interface above.
const npa = createRequire(import.meta.url)('npm-package-arg') as {
  resolve(name: string, spec: string, where?: string): ParsedSpec;
};

// npm's own .npmrc parser, for the operator's file; untyped too.
const ini = createRequire(import.meta.url)('ini') as {
  parse(text: string): Record<string, unknown>;
};

/** `@plugboard/*` is removed from package.json before an install and never fetched. */
export const PLUGBOARD_SCOPE = '@plugboard/';

const DEFAULT_REGISTRY = 'https://registry.npmjs.org/';

// bun, npm, pnpm and yarn each parse specifiers with their own code. A registry specifier has no
// need of these characters, while each tool uses them to recognise a protocol, URL or path, so a
// specifier npm reads as a registry one but that holds them is refused rather than trusted to be
// read the same way by the tool that installs it.
const TOOL_SPECIFIC = /[:/\\]|\.(?:tgz|tar|tar\.gz)\s*$/i;

const WHAT_TO_DO =
  'only packages from the npm registry are installed: publish it to the registry and depend on a version range (like "^1.2.0") instead';

/** Why `spec` is not a registry specifier for `name`, or undefined when it is one. */
function nonRegistryReason(name: string, spec: string): string | undefined {
  let parsed: ParsedSpec;
  try {
    parsed = npa.resolve(name, spec, '/');
  } catch (cause) {
    return parseFailure(name, spec, cause);
  }
  if (parsed.name !== name) {
    return 'its name is not a valid package name';
  }
  switch (parsed.type) {
    case 'version':
    case 'range':
    case 'tag':
      return TOOL_SPECIFIC.test(spec) ? 'it is not a plain version, range or tag' : undefined;
    case 'alias': {
      const target = parsed.subSpec;
      // npm: is case-insensitive to npm alone; bun and pnpm only know it in lower case.
      if (!spec.startsWith('npm:') || target === undefined) {
        return 'it is an alias that not every installer reads as an npm: alias';
      }
      return TOOL_SPECIFIC.test(target.rawSpec)
        ? 'it is an npm: alias whose target is not a plain version, range or tag'
        : undefined;
    }
    case 'git':
      return 'it is a git repository';
    case 'remote':
      return 'it is a tarball URL';
    case 'file':
      return 'it is a tarball file in the package';
    case 'directory':
      return 'it is a folder on disk';
  }
}

/** Whether `version` is one exact registry version of `name`, as lockfiles record them. */
export function isExactVersion(name: string, version: string): boolean {
  try {
    return npa.resolve(name, version, '/').type === 'version' && !TOOL_SPECIFIC.test(version);
  } catch {
    return false;
  }
}

/** Splits `name@rest` (the name may be scoped); `rest` is undefined without an `@`. */
export function splitAtName(text: string): { name: string; rest: string | undefined } {
  const at = text.indexOf('@', text.startsWith('@') ? 1 : 0);
  return at === -1
    ? { name: text, rest: undefined }
    : { name: text.slice(0, at), rest: text.slice(at + 1) };
}

function parseFailure(name: string, spec: string, cause: unknown): string {
  if (/^npm:/i.test(spec)) {
    return 'it is an npm: alias whose target is not a registry package';
  }
  if ((cause as { code?: unknown }).code === 'EINVALIDPACKAGENAME' || name === '') {
    return 'its name is not a valid package name';
  }
  const protocol = /^([a-z][a-z0-9+.-]*):/i.exec(spec)?.[1];
  if (protocol !== undefined) {
    return `it is a "${protocol.toLowerCase()}:" specifier, which does not name a registry version`;
  }
  return 'it is not a version, range or tag';
}

export interface Place {
  /** The file and field, like `package.json dependencies` or `pnpm-lock.yaml packages`. */
  readonly where: string;
  /** The dependency (or lockfile entry) it is about. */
  readonly dependency: string;
}

/** The refusal for a specifier or entry that breaks the registry-only rule. */
export function refusal(place: Place, value: string, reason: string): ServerError {
  return new ServerError(
    'PSRV_PACKAGE_INVALID',
    `${place.where}: "${place.dependency}" is ${JSON.stringify(value)}, and ${reason}; ${WHAT_TO_DO}`,
    { details: { where: place.where, dependency: place.dependency, value, rule: reason } },
  );
}

/** Refuses `spec` for `name` unless it is a registry specifier. */
export function requireRegistrySpec(place: Place, name: string, spec: unknown): void {
  if (typeof spec !== 'string') {
    throw refusal(place, shown(spec), 'it is not a specifier string');
  }
  const reason = nonRegistryReason(name, spec);
  if (reason !== undefined) {
    throw refusal(place, spec, reason);
  }
}

const LOCAL_PROTOCOLS = /^(?:file|link|workspace|portal):/i;

/**
 * Whether a lockfile entry is a `@plugboard/*` one that may stay as it is. Those are removed from
 * package.json, so the tool never fetches them: a local path written while developing the plugin
 * is fine, but anything that would reach out (git, a URL) is still refused.
 */
export function isExemptPlugboardEntry(name: string, spec: string): boolean {
  if (!name.startsWith(PLUGBOARD_SCOPE)) {
    return false;
  }
  if (LOCAL_PROTOCOLS.test(spec)) {
    return true;
  }
  try {
    const { type } = npa.resolve(name, spec, '/');
    return type !== 'git' && type !== 'remote';
  } catch {
    return false;
  }
}

/**
 * The registries a lockfile may point at: npm's default, the configured one, and those the
 * operator's `<cacheDir>/home/.npmrc` sets (`registry=`, `@scope:registry=`), since the tools
 * install from those too.
 */
export async function acceptedRegistries(settings: {
  readonly registry?: string | undefined;
  readonly cacheDir: string;
}): Promise<readonly string[]> {
  const text = await readFile(operatorNpmrc(settings.cacheDir), 'utf8').catch(() => '');
  const fromOperator = Object.entries(ini.parse(text))
    .filter(([key]) => key === 'registry' || /^@[^:]+:registry$/.test(key))
    .map(([, value]) => value)
    .filter((value): value is string => typeof value === 'string' && URL.canParse(value));
  const all = [DEFAULT_REGISTRY, ...(settings.registry === undefined ? [] : [settings.registry])];
  return [
    ...new Set([...all, ...fromOperator].map((url) => (url.endsWith('/') ? url : `${url}/`))),
  ];
}

/**
 * Whether `url` is a package tarball (`…/<name>/-/<file>.tgz`) on one of `registries`. Compared
 * after URL parsing, so `..` segments, another port or a look-alike host do not pass.
 */
function isRegistryTarball(url: string, registries: readonly string[]): boolean {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return false;
  }
  parsed.hash = '';
  const href = parsed.href;
  return (
    parsed.username === '' &&
    parsed.password === '' &&
    parsed.search === '' &&
    /\/-\/[^/]+\.tgz$/.test(parsed.pathname) &&
    registries.some((registry) => href.startsWith(new URL(registry).href))
  );
}

/** A value from a parsed file, as a message shows it. */
export function shown(value: unknown): string {
  if (value === undefined) {
    return 'nothing';
  }
  return typeof value === 'string' ? value : JSON.stringify(value);
}

/** Refuses a lockfile's tarball URL unless the registry serves it. */
export function requireRegistryTarball(
  place: Place,
  url: unknown,
  registries: readonly string[],
): void {
  if (typeof url !== 'string' || !isRegistryTarball(url, registries)) {
    throw refusal(
      place,
      shown(url),
      `it is not a package tarball of the registry (${registries.join(' or ')}); regenerate the lockfile against the registry`,
    );
  }
}
