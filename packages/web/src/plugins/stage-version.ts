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
  // A version staged before the update (the same number uploaded again) is not this one.
  const staged = record.versions.filter((v) => v.state === 'staged' && !before.has(keyOf(v)));
  return wanted === undefined ? staged[0] : staged.find((v) => v.version === wanted);
}

/** Past this, the wait ends with what the record says: an install this long is stuck. */
const STAGE_TIMEOUT_MS = 15 * 60_000;

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
    /** The record before the update. */
    start: PluginRecord;
    signal: AbortSignal;
    onRecord: (record: PluginRecord) => void;
  },
): Promise<PluginVersion> {
  let installing = false;
  const { start } = options;
  const deadline = Date.now() + STAGE_TIMEOUT_MS;
  for (;;) {
    options.signal.throwIfAborted();
    const record = await api.getPlugin(id);
    options.onRecord(record);
    const staged = newlyStaged(record, options.before, options.wanted);
    if (staged !== undefined) {
      return staged;
    }
    // Ended with nothing new staged: seen installing, or its status told again with a new reason
    // (an install that failed before any read saw it installing).
    const ended =
      record.status !== 'installing' &&
      (installing || (record.updatedAt !== start.updatedAt && record.reason !== start.reason));
    const failed = ended || (record.status === 'error' && start.status !== 'error');
    if (failed || Date.now() > deadline) {
      throw new ApiError({
        status: 0,
        code: 'UI_NOT_STAGED',
        message: failed
          ? (record.reason ?? 'the new version did not install')
          : `the new version is still not staged after ${String(STAGE_TIMEOUT_MS / 60_000)} minutes; see the plugin's log`,
      });
    }
    installing ||= record.status === 'installing';
    await new Promise((resolve) => setTimeout(resolve, POLL_MS));
  }
}
