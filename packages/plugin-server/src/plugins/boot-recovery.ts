/**
 * @module What a starting Plugin Server finds in its data folder: the plugins a previous run
 * installed, brought back with their configuration and grant (a process that run left behind is
 * stopped first), and whatever an interrupted install left, removed.
 */
import { mkdir, readdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import type { ConcurrencyGate } from './concurrency-gate.ts';
import { readInstalledVersions } from './installed-versions.ts';
import { currentOf, type VersionRecord } from './version-states.ts';
import { readDesired } from './desired-record.ts';
import type { ManagerContext } from './manager-context.ts';
import type { ManagedPlugin } from './managed-plugin.ts';
import type { Supervisor } from './supervisor.ts';

export interface Recovery {
  /** The record for this id, made when there is none. */
  readonly entry: (id: string) => ManagedPlugin;
  readonly supervisor: Supervisor;
  /** Caps the starts running at once. */
  readonly starts: ConcurrencyGate;
}

export async function recoverInstalled(ctx: ManagerContext, recovery: Recovery): Promise<void> {
  const { dirs, deps } = ctx;
  for (const dir of Object.values(dirs) as string[]) {
    await mkdir(dir, { recursive: true });
  }
  // Whatever a crashed run left half-fetched is garbage.
  for (const leftover of await readdir(dirs.staging)) {
    await rm(join(dirs.staging, leftover), { recursive: true, force: true });
  }
  for (const id of await readdir(dirs.plugins)) {
    let versions: VersionRecord[] | undefined;
    try {
      versions = await readInstalledVersions(dirs.plugins, id);
    } catch (error) {
      // Its files stay as they are: an operator can repair the record, or reinstall.
      const plugin = recovery.entry(id);
      plugin.broken = `its record of installed versions (${join(dirs.plugins, id, 'versions.json')}) cannot be read (${(error as Error).message}); repair or remove it and restart the Plugin Server, or install the plugin again (the versions it named are then lost)`;
      ctx.setStatus(plugin, 'error', plugin.broken);
      continue;
    }
    const current = versions === undefined ? undefined : currentOf(versions);
    await clearInterrupted(
      ctx,
      id,
      current === undefined ? [] : (versions ?? []).map((v) => v.folder),
    );
    if (current === undefined) {
      continue;
    }
    const plugin = recovery.entry(id);
    plugin.versions = versions ?? [];
    // Made current shortly before the restart: a crash loop now still rolls it back.
    const left = Date.parse(current.probation?.until ?? '') - Date.now();
    if (current.probation !== undefined && left > 0) {
      const now = (deps.now ?? (() => performance.now()))();
      plugin.probation = { from: current.probation.from, until: now + left };
    }
    const desired = await readDesired(dirs.plugins, id);
    plugin.config = desired.config;
    plugin.grant = desired.grant ?? {};
    // Starts are capped too: a box with many plugins would otherwise start them all at once, and
    // each handshake would wait as long as the whole restart (past its timeout, with enough).
    void plugin.serialise(async () => {
      // What a killed previous run left goes first, so no plugin ever runs twice.
      // Of every version: one other than the current may have served pinned workflows.
      for (const version of plugin.versions) {
        if (await deps.engine.reapLeftover(version.folder)) {
          plugin.log.note(
            `stopped a process of ${version.version} the previous Plugin Server run left behind`,
          );
        }
      }
      ctx.setStatus(plugin, 'restarting', 'starting after a Plugin Server restart');
      await recovery.starts.run(() => recovery.supervisor.startOrCrash(plugin, current.folder));
    });
  }
}

/**
 * What an install interrupted by a crash left: version folders no record names (and a process
 * still starting in one), and a plugin folder with no current version at all. The platform's
 * desired state brings back whatever should be there.
 */
async function clearInterrupted(
  ctx: ManagerContext,
  id: string,
  keep: readonly string[],
): Promise<void> {
  const dir = join(ctx.dirs.plugins, id);
  const entries = await readdir(dir, { withFileTypes: true }).catch(() => []);
  for (const entry of entries) {
    const folder = join(dir, entry.name);
    if (!entry.isDirectory() || keep.includes(folder)) {
      continue;
    }
    await ctx.deps.engine.reapLeftover(folder);
    await ctx.deps.engine.remove(folder);
  }
  if (keep.length === 0) {
    await rm(dir, { recursive: true, force: true });
  }
}
