/**
 * @module Waiting for an update to be staged: `updatePlugin` with `activate: false` answers at
 * once, and the new version installs beside the current one; it is ready to be looked at (its
 * impact) once the record lists it as `staged`.
 */
import { ApiError } from '../api/http.ts';
import type { PlatformApi } from '../api/platform-api.ts';
import type { PluginRecord, PluginVersion } from '../api/types.ts';

const POLL_MS = 700;

/** Each staged version of the record, as `version@installedAt`. */
export function stagedKeys(record: PluginRecord): ReadonlySet<string> {
  return new Set(record.versions.filter((v) => v.state === 'staged').map(keyOf));
}

function keyOf(version: PluginVersion): string {
  return `${version.version}@${version.installedAt}`;
}

/**
 * The version the update staged: `wanted` (when the caller knows which) once it is staged, or else
 * a staged version that was not staged before the update (`before`, from {@link stagedKeys}).
 */
function newlyStaged(
  record: PluginRecord,
  before: ReadonlySet<string>,
  wanted: string | undefined,
): PluginVersion | undefined {
  const staged = record.versions.filter((v) => v.state === 'staged');
  return wanted === undefined
    ? staged.find((v) => !before.has(keyOf(v)))
    : staged.find((v) => v.version === wanted);
}

/**
 * Reads the record until the update's version is staged; `onRecord` sees each read. The install
 * failed when the plugin was installing and no longer is, with nothing new staged (the current
 * version keeps serving, and the record's reason says why), or when the plugin turned to error.
 */
export async function waitForStaged(
  api: PlatformApi,
  id: string,
  options: {
    before: ReadonlySet<string>;
    wanted: string | undefined;
    /** The plugin's status before the update. */
    startedIn: PluginRecord['status'];
    signal: AbortSignal;
    onRecord: (record: PluginRecord) => void;
  },
): Promise<PluginVersion> {
  let installing = false;
  for (;;) {
    options.signal.throwIfAborted();
    const record = await api.getPlugin(id);
    options.onRecord(record);
    const staged = newlyStaged(record, options.before, options.wanted);
    if (staged !== undefined) {
      return staged;
    }
    const failed =
      (installing && record.status !== 'installing') ||
      (record.status === 'error' && options.startedIn !== 'error');
    if (failed) {
      throw new ApiError({
        status: 0,
        code: 'UI_NOT_STAGED',
        message: record.reason ?? 'the new version did not install',
      });
    }
    installing ||= record.status === 'installing';
    await new Promise((resolve) => setTimeout(resolve, POLL_MS));
  }
}
