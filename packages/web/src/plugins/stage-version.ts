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

/** Reads the record until the update's version is staged; `onRecord` sees each read. */
export async function waitForStaged(
  api: PlatformApi,
  id: string,
  options: {
    before: ReadonlySet<string>;
    wanted: string | undefined;
    since: number;
    signal: AbortSignal;
    onRecord: (record: PluginRecord) => void;
  },
): Promise<PluginVersion> {
  for (;;) {
    options.signal.throwIfAborted();
    const record = await api.getPlugin(id);
    options.onRecord(record);
    const staged = newlyStaged(record, options.before, options.wanted);
    if (staged !== undefined) {
      return staged;
    }
    // The install of the new version failed: the record says why, once it changed after the update.
    if (record.status === 'error' && Date.parse(record.updatedAt) >= options.since) {
      throw new ApiError({
        status: 0,
        code: 'UI_NOT_STAGED',
        message: record.reason ?? 'the new version did not install',
      });
    }
    await new Promise((resolve) => setTimeout(resolve, POLL_MS));
  }
}
