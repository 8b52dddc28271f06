/**
 * @module Which of a plugin's installed versions a command means: the current one, the one an
 * update staged, the one a rollback goes back to; and whether the record says a wait is over.
 */
import type { PluginRecordView } from '@plugboard/platform-api';
import { SETTLED_STATUSES } from '@plugboard/protocol';
import { previousVersion } from '@plugboard/server-api';

type VersionEntry = PluginRecordView['versions'][number];

/** The version that serves now, if the record lists one. */
export function currentVersion(versions: readonly VersionEntry[]): string | undefined {
  return versions.find((v) => v.state === 'current')?.version;
}

/**
 * The version an update staged: `wanted` once it is listed staged; without `wanted`, the newest
 * staged entry that was not there (staged, installed at the same time) `before`.
 */
export function stagedVersion(
  before: readonly VersionEntry[],
  now: readonly VersionEntry[],
  wanted?: string,
): string | undefined {
  const staged = now.filter((v) => v.state === 'staged');
  if (wanted !== undefined) {
    return staged.some((v) => v.version === wanted) ? wanted : undefined;
  }
  const seen = new Set(
    before.filter((v) => v.state === 'staged').map((v) => `${v.version}@${v.installedAt}`),
  );
  // Newest first, as the record lists them.
  return staged.find((v) => !seen.has(`${v.version}@${v.installedAt}`))?.version;
}

/**
 * Where a rollback without `--to` goes, by the Plugin Server's own rule: the highest `kept`
 * version below the current one, else the highest kept one (a current version that was itself a
 * downgrade); undefined when none is kept.
 */
export function rollbackTarget(versions: readonly VersionEntry[]): string | undefined {
  return previousVersion(versions)?.version;
}

/** Whether `version` is current and the plugin runs. */
export function runsOn(record: PluginRecordView, version: string): boolean {
  return record.status === 'running' && currentVersion(record.versions) === version;
}

/**
 * Why a version made current did not stay: the Plugin Server rolled it back (its entry says why)
 * or the plugin ended in `error`. Undefined while neither happened since `start`, the record as it
 * was when the version was asked to be current.
 */
export function activationFailure(
  start: PluginRecordView,
  now: PluginRecordView,
  version: string,
): string | undefined {
  const entry = now.versions.find((v) => v.version === version);
  const was = start.versions.find((v) => v.version === version);
  if (
    entry?.state === 'rolled_back' &&
    (was?.state !== 'rolled_back' || entry.reason !== was.reason)
  ) {
    return `${version} was rolled back: ${entry.reason ?? now.reason ?? 'no reason given'}`;
  }
  if (failedSince(start, now)) {
    return `plugin "${now.id}" failed: ${now.reason ?? 'no reason given'}`;
  }
  return undefined;
}

/** Whether the record reached `error` after `start` (a plugin already failing must fail anew). */
export function failedSince(start: PluginRecordView, now: PluginRecordView): boolean {
  return (
    now.status === 'error' &&
    (start.status !== 'error' || now.updatedAt !== start.updatedAt || now.reason !== start.reason)
  );
}

/**
 * Whether an install asked for since `start` has ended, one way or the other: the record settled
 * (running, missing_config, error…) again after changing. A staging that fails while the current
 * version serves leaves the plugin `running`, its reason saying why.
 */
export function installEnded(start: PluginRecordView, now: PluginRecordView): boolean {
  return (
    SETTLED_STATUSES.includes(now.status) &&
    (now.status !== start.status ||
      now.reason !== start.reason ||
      now.updatedAt !== start.updatedAt)
  );
}
