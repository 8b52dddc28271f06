/**
 * @module How plugin versions are ordered and which is "latest": one rule for the platform's
 * marketplace listing and the Plugin Server's install when no version is named, so the version an
 * operator is shown is the version that gets installed.
 */
import { semverSchema } from '@plugboard/protocol';
import { compareBuild, maxSatisfying, parse, prerelease, validRange } from 'semver';

/**
 * Orders two versions, lowest first, by semver precedence (1.0.0-rc.9 < 1.0.0-rc.10 < 1.0.0).
 * Precedence ignores build metadata, so versions differing only there (1.0.1+a, 1.0.1+b) are
 * ordered by it as well: otherwise which of them counts as latest would follow the order an
 * index happens to list them in. Throws a TypeError on anything that is not a semantic version.
 */
export function compareVersions(a: string, b: string): number {
  return compareBuild(checked(a), checked(b));
}

/**
 * The highest version: the highest release, unless pre-releases are asked for or there are only
 * pre-releases. `undefined` for no versions; throws a TypeError when one is not a version.
 */
export function latestVersion(
  versions: readonly string[],
  options: { readonly includePrerelease?: boolean } = {},
): string | undefined {
  const all = versions.map(checked);
  const releases = all.filter((version) => prerelease(version) === null);
  const candidates = options.includePrerelease === true || releases.length === 0 ? all : releases;
  return candidates.reduce<string | undefined>(
    (best, version) => (best === undefined || compareBuild(version, best) > 0 ? version : best),
    undefined,
  );
}

function checked(version: string): string {
  if (!semverSchema.safeParse(version).success) {
    throw new TypeError(`"${version}" is not a semantic version`);
  }
  return version;
}

/**
 * Whether `range` is a version range a workflow node may pin (`^1`, `~1.2`, `1.2.3`, `>=1 <3`).
 * Ranges are semver's, limited in length so one saved node cannot cost the parser much.
 */
export function isVersionRange(range: string): boolean {
  return range.length <= 64 && validRange(range) !== null;
}

/**
 * The highest of `versions` that `range` takes, pre-releases only when the range names one
 * (semver's rule); `undefined` when none does.
 */
export function highestSatisfying(versions: readonly string[], range: string): string | undefined {
  return maxSatisfying([...versions], range) ?? undefined;
}

/**
 * The range a node is pinned to when it is added on `version`: its major (`^2`), or for 0.x, its
 * minor (`^0.3`), since before 1.0.0 a minor may break; a 0.0.x version pins exactly, and a
 * pre-release from itself on (`^2.0.0-rc.1`: later pre-releases of 2.0.0, then 2.x).
 */
export function defaultRange(version: string): string {
  const parsed = parse(checked(version));
  if (parsed === null) {
    throw new TypeError(`"${version}" is not a semantic version`);
  }
  if (parsed.prerelease.length > 0) {
    // semver lets a range take pre-releases only of the version it names.
    return `^${version}`;
  }
  if (parsed.major > 0) {
    return `^${String(parsed.major)}`;
  }
  return parsed.minor > 0 ? `^0.${String(parsed.minor)}` : version;
}
