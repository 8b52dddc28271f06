/**
 * @module How plugin versions are ordered and which is "latest": one rule for the platform's
 * marketplace listing and the Plugin Server's install when no version is named, so the version an
 * operator is shown is the version that gets installed.
 */
import { semverSchema } from '@plugboard/protocol';
import { compareBuild, prerelease } from 'semver';

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
