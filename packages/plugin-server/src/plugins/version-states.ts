/**
 * @module How a plugin's installed versions move between states: made current (the one before
 * kept, callable by workflows pinned to it), rolled back to (the ones above marked rolled back),
 * and which to remove once more than the configured number are installed. Pure: the manager
 * writes the result (installed-versions.ts) and acts on the processes.
 */
import type { Manifest } from '@plugboard/protocol';
import { compareVersions, type PluginVersionState } from '@plugboard/server-api';

export interface VersionRecord {
  readonly version: string;
  /** `<id>/<version>-<suffix>`, holding `package/` and `scratch/`. */
  readonly folder: string;
  /** Where it came from, without tokens. */
  readonly source: Record<string, unknown>;
  readonly installedAt: string;
  /** The manifest it was installed with (a process of it must serve the same). */
  readonly manifest: Manifest;
  readonly state: PluginVersionState;
  readonly reason?: string | undefined;
  /**
   * On the current version, made current over `from` until `until` (ISO time): a crash loop
   * before then rolls back to `from`, across a restart of the Plugin Server too.
   */
  readonly probation?: { readonly from: string; readonly until: string } | undefined;
}

export function currentOf(versions: readonly VersionRecord[]): VersionRecord | undefined {
  return versions.find((v) => v.state === 'current');
}

/** Newest first, by semver precedence: how every listing shows them. */
export function newestFirst(versions: readonly VersionRecord[]): VersionRecord[] {
  return [...versions].sort((a, b) => compareVersions(b.version, a.version));
}

/** Adds (or replaces, same version) an installed version in `state`. */
export function withInstalled(
  versions: readonly VersionRecord[],
  added: VersionRecord,
): VersionRecord[] {
  return [...versions.filter((v) => v.version !== added.version), added];
}

/** `version` current; the one current before stays callable (`kept`). */
export function withCurrent(versions: readonly VersionRecord[], version: string): VersionRecord[] {
  return versions.map((v) => {
    if (v.version === version) {
      return { ...v, state: 'current', reason: undefined };
    }
    return v.state === 'current' ? { ...v, state: 'kept', reason: undefined } : v;
  });
}

/**
 * `version` current again; every callable version above it is marked rolled back with `reason`,
 * so no pinned node runs on them until one is made current again.
 */
export function withRolledBack(
  versions: readonly VersionRecord[],
  version: string,
  reason: string,
): VersionRecord[] {
  return versions.map((v) => {
    if (v.version === version) {
      return { ...v, state: 'current', reason: undefined };
    }
    const callable = v.state === 'current' || v.state === 'kept';
    if (callable && compareVersions(v.version, version) > 0) {
      return { ...v, state: 'rolled_back', reason };
    }
    // A "rollback" to a higher version leaves the one it replaces callable.
    return v.state === 'current' ? { ...v, state: 'kept', reason: undefined } : v;
  });
}

/** `version` marked rolled back (it failed as it was made current), with why. */
export function withRefused(
  versions: readonly VersionRecord[],
  version: string,
  reason: string,
): VersionRecord[] {
  return versions.map((v) => (v.version === version ? { ...v, state: 'rolled_back', reason } : v));
}

/** Which versions go first when too many are installed: the current one never, callable ones last. */
const KEEP_ORDER: Readonly<Record<PluginVersionState, number>> = {
  current: 0,
  kept: 1,
  staged: 2,
  rolled_back: 3,
};

/**
 * Splits the versions into those to keep (at most `keep`: the current one and `protect` — the
 * version just installed — always, then the ones pinned workflows may run on, then staged and
 * rolled-back ones, the most recently installed first in each) and those to remove.
 */
export function pruned(
  versions: readonly VersionRecord[],
  keep: number,
  protect?: string,
): { kept: VersionRecord[]; removed: VersionRecord[] } {
  const rank = (v: VersionRecord): number => (v.version === protect ? 0 : KEEP_ORDER[v.state]);
  const order = [...versions].sort(
    (a, b) => rank(a) - rank(b) || b.installedAt.localeCompare(a.installedAt),
  );
  const count = Math.max(keep, order.filter((v) => rank(v) === 0).length);
  return { kept: order.slice(0, count), removed: order.slice(count) };
}
