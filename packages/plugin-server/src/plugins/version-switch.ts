/**
 * @module Makes an installed version current: its process starts (or the one already serving the
 * workflows pinned to it is taken), and only once it serves and accepts the configuration does it
 * replace the current one, which stays installed and keeps serving the workflows pinned to it. A
 * version that fails to start or refuses the configuration as it is made current is rolled back
 * at once (marked so, the current one serving on); one that crash-loops soon after is rolled back
 * when the supervisor gives up on it, to the version it replaced. A rollback on request is the
 * same move to a lower version, marking the versions above it rolled back. Requests are checked
 * when asked, so one that cannot be carried out is refused at once, then queued behind the
 * plugin's operations; one that no longer applies when its turn comes is said in the log.
 */
import { describeVersions, previousVersion } from '@plugboard/server-api';
import { asServerError, ServerError } from '../errors.ts';
import { writeInstalledVersions } from './installed-versions.ts';
import type { ManagerContext } from './manager-context.ts';
import type { ManagedPlugin, RunningInstance } from './managed-plugin.ts';
import type { SideVersions } from './side-versions.ts';
import { stopInstance } from './stop-instance.ts';
import type { Supervisor } from './supervisor.ts';
import {
  currentOf,
  pruned,
  withCurrent,
  withInstalled,
  withRefused,
  withRolledBack,
  type VersionRecord,
} from './version-states.ts';

export interface VersionMove {
  readonly plugin: ManagedPlugin;
  /** Installed already, or just installed (then recorded only once it is current or refused). */
  readonly target: VersionRecord;
  /**
   * `update`: another version is made current; `rollback`: back to a lower one on request, the
   * versions above it marked; `revert`: back to the version `failed` replaced, only it marked.
   */
  readonly mode: 'update' | 'rollback' | 'revert';
  /** Why, for a rollback or revert: kept with the versions it marks and in the status reason. */
  readonly why?: string | undefined;
  readonly failed?: string | undefined;
}

export class VersionSwitch {
  readonly #ctx: ManagerContext;
  readonly #supervisor: Supervisor;
  readonly #sides: SideVersions;

  constructor(ctx: ManagerContext, supervisor: Supervisor, sides: SideVersions) {
    this.#ctx = ctx;
    this.#supervisor = supervisor;
    this.#sides = sides;
  }

  /** Makes an installed version current (`POST /plugins/{id}/activate`). */
  requestActivate(plugin: ManagedPlugin, version: string): void {
    installedOther(plugin, version);
    void plugin.serialise(async () => {
      const target = plugin.versions.find((v) => v.version === version);
      if (target === undefined || target.state === 'current') {
        plugin.log.note(
          `version ${version} was not made current: it is ${target?.state ?? 'no longer installed'}`,
        );
        return;
      }
      plugin.log.note(`making version ${version} current`);
      await this.#moved({ plugin, target, mode: 'update' });
    });
  }

  /** Makes the previous installed version (or `to`) current (`POST /plugins/{id}/rollback`). */
  requestRollback(plugin: ManagedPlugin, to: string | undefined): void {
    rollbackTarget(plugin, to);
    void plugin.serialise(async () => {
      let target: VersionRecord;
      try {
        target = rollbackTarget(plugin, to);
      } catch (error) {
        plugin.log.note(`the rollback was not made: ${asServerError(error).message}`);
        return;
      }
      const why = `rolled back from ${plugin.version ?? 'none'} to ${target.version} on request`;
      plugin.log.note(why);
      await this.#moved({ plugin, target, mode: 'rollback', why });
    });
  }

  /**
   * Moves the plugin to `target`. Throws when it could not start and no version serves (the
   * caller reports that as it reports any failed install); otherwise the outcome is in the
   * plugin's status and versions.
   */
  async makeCurrent(move: VersionMove): Promise<void> {
    const ctx = this.#ctx;
    const { plugin, target, mode } = move;
    const previous = plugin.running;
    const before = currentOf(plugin.versions);
    let next = await this.#sides.take(plugin, target);
    if (next === undefined) {
      try {
        next = await this.#supervisor.launch(plugin, target.folder, target.manifest);
      } catch (error) {
        if (previous === undefined) {
          throw error;
        }
        await this.#refused(move, error);
        return;
      }
    }
    if (ctx.closing()) {
      await stopInstance(ctx.deps.engine, next, 0);
      return;
    }
    if (mode === 'update' && !next.configured.valid && previous?.configured.valid === true) {
      await stopInstance(ctx.deps.engine, next, 0);
      await this.#refused(move, next.configured.issues.map((i) => i.message).join('; '));
      return;
    }
    const why = move.why ?? `rolled back from ${before?.version ?? 'none'} to ${target.version}`;
    const installed = withInstalled(plugin.versions, target);
    const moved =
      mode === 'rollback'
        ? withRolledBack(installed, target.version, why)
        : mode === 'revert' && move.failed !== undefined
          ? withCurrent(withRefused(installed, move.failed, why), target.version)
          : withCurrent(installed, target.version);
    const replaced = before !== undefined && before.version !== target.version;
    const probationMs = ctx.deps.config.versions.probationMs;
    const probation =
      mode === 'update' && replaced
        ? { from: before.version, until: new Date(Date.now() + probationMs).toISOString() }
        : undefined;
    const versions = moved.map((v) => ({
      ...v,
      probation: v.version === target.version ? probation : undefined,
    }));
    // A restart armed for the process this replaces no longer applies; set before `running`, so
    // one armed for this process (an exit while the record is written) stands.
    clearTimeout(plugin.restartTimer);
    plugin.policy.reset();
    // In service before anything is awaited, so an exit meanwhile is taken for a crash of it.
    plugin.running = next;
    try {
      await commitVersions(ctx, plugin, versions);
    } catch (error) {
      plugin.running = previous;
      await stopInstance(ctx.deps.engine, next, 0);
      throw error;
    }
    plugin.log.note(`version ${target.version} is current`);
    plugin.probation =
      probation === undefined
        ? undefined
        : { from: probation.from, until: this.#now() + probationMs };
    if (plugin.running === next) {
      this.#supervisor.settle(
        plugin,
        mode === 'update'
          ? replaced
            ? `version ${target.version} is current; ${before.version} stays installed for the workflows pinned to it`
            : undefined
          : why,
      );
    }
    await this.#afterSwap(plugin, previous, before);
  }

  /**
   * The current version gave up restarting soon after it was made current: rolled back to the one
   * it replaced. False when there is none to go back to (the supervisor reports the crash loop).
   */
  rollBackCrashLoop(plugin: ManagedPlugin, why: string): boolean {
    const { probation } = plugin;
    const failed = plugin.version;
    plugin.probation = undefined;
    if (probation === undefined || this.#now() > probation.until || failed === undefined) {
      return false;
    }
    const target = plugin.versions.find((v) => v.version === probation.from && v.state === 'kept');
    if (target === undefined) {
      return false;
    }
    const reason = `rolled back from ${failed} to ${target.version} automatically: version ${failed} crash-looped after it was made current (${why})`;
    this.#ctx.setStatus(plugin, 'restarting', reason);
    void plugin.serialise(async () => {
      if (!this.#ctx.holds(plugin) || plugin.running !== undefined || plugin.version !== failed) {
        return;
      }
      await this.#moved({ plugin, target, mode: 'revert', why: reason, failed });
    });
    return true;
  }

  /** A version is being installed again: a process of its old folder must not serve on. */
  async replacing(plugin: ManagedPlugin, version: string): Promise<void> {
    await this.#sides.stop(plugin, version);
  }

  /**
   * Removes the versions beyond the number kept (stopping a process of theirs first) and the
   * folders no record names any more (a version installed again replaced its folder).
   */
  async prune(
    plugin: ManagedPlugin,
    options: { readonly dropped?: readonly string[]; readonly protect?: string } = {},
  ): Promise<void> {
    const ctx = this.#ctx;
    const { dropped = [], protect } = options;
    const { kept, removed } = pruned(plugin.versions, ctx.deps.config.versions.keep, protect);
    if (removed.length > 0) {
      await commitVersions(ctx, plugin, kept);
      // The platform hears the versions with every status: the same status, told again.
      ctx.setStatus(plugin, plugin.status, plugin.reason);
    }
    for (const gone of removed) {
      await this.#sides.stop(plugin, gone.version);
      await ctx.deps.engine.remove(gone.folder);
      plugin.log.note(`version ${gone.version} removed: only ${String(kept.length)} are kept`);
    }
    for (const folder of dropped) {
      const inUse =
        plugin.versions.some((v) => v.folder === folder) ||
        plugin.running?.folder === folder ||
        [...plugin.sides.values()].some((side) => side.instance?.folder === folder);
      if (!inUse) {
        await ctx.deps.engine.remove(folder);
      }
    }
  }

  /** Runs a version move asked for; a failure with no version left serving is the plugin's error. */
  async #moved(move: VersionMove): Promise<void> {
    const { plugin, target } = move;
    if (plugin.status === 'error') {
      this.#ctx.setStatus(plugin, 'restarting', `making version ${target.version} current`);
    }
    try {
      await this.makeCurrent(move);
    } catch (error) {
      const failure = asServerError(error);
      plugin.lastError = { message: failure.message, code: failure.code, at: new Date() };
      const what = `version ${target.version} could not be made current: ${failure.message}`;
      if (plugin.running === undefined) {
        this.#ctx.setStatus(
          plugin,
          'error',
          `${move.why === undefined ? '' : `${move.why}, but `}${what}; restart the plugin or make another version current`,
        );
      } else {
        plugin.log.note(`${what}; ${String(plugin.version)} keeps serving`);
      }
    }
  }

  /** A version that failed as it was made current: marked rolled back, the current one serving on. */
  async #refused(move: VersionMove, cause: unknown): Promise<void> {
    const ctx = this.#ctx;
    const { plugin, target, mode } = move;
    const serving = plugin.version ?? 'none';
    const failure = typeof cause === 'string' ? undefined : asServerError(cause);
    const why =
      failure === undefined
        ? `refused the configuration: ${String(cause)}`
        : `failed to start: ${failure.message}`;
    plugin.lastError = {
      message: `version ${target.version} ${why}`,
      code: failure?.code ?? 'PSRV_START_FAILED',
      at: new Date(),
      logTail: await plugin.log.tail(20),
    };
    const again = target.version === serving;
    const recorded = plugin.versions.find((v) => v.version === target.version);
    let reason: string;
    if (mode !== 'update') {
      reason = `could not roll back to ${target.version}: it ${why}; ${serving} keeps serving`;
    } else if (again) {
      // The same version installed again: the installed one serves on, the new files go.
      await ctx.deps.engine.remove(target.folder);
      reason = `version ${target.version} installed again ${why}; the version installed before keeps serving`;
    } else if (recorded?.state === 'kept' && recorded.folder === target.folder) {
      // A version that served before stays callable for the workflows pinned to it.
      reason = `version ${target.version} was not made current: it ${why}; ${serving} keeps serving`;
    } else {
      await commitVersions(
        ctx,
        plugin,
        withRefused(withInstalled(plugin.versions, target), target.version, why),
      );
      reason = `rolled back to ${serving} automatically: version ${target.version} ${why}`;
    }
    plugin.log.note(reason);
    // With no process serving (the current one crashed meanwhile), its restart says the status.
    if (plugin.running !== undefined) {
      ctx.setStatus(plugin, plugin.running.configured.valid ? 'running' : 'missing_config', reason);
    }
  }

  /**
   * The replaced process keeps serving the workflows pinned to its version when that stays
   * callable; otherwise it retires. Side processes of versions no longer callable stop.
   */
  async #afterSwap(
    plugin: ManagedPlugin,
    previous: RunningInstance | undefined,
    before: VersionRecord | undefined,
  ): Promise<void> {
    try {
      const stays = plugin.versions.find((v) => v.version === before?.version);
      if (previous !== undefined) {
        if (stays?.state === 'kept' && stays.folder === previous.folder && !previous.exited) {
          await this.#sides.adopt(plugin, stays.version, previous);
        } else {
          await this.#supervisor.retire(plugin, previous);
        }
      }
      for (const version of plugin.versions) {
        if (version.state !== 'kept' && version.state !== 'current') {
          await this.#sides.stop(plugin, version.version);
        }
      }
      await this.prune(plugin, { dropped: before === undefined ? [] : [before.folder] });
    } catch (error) {
      // Made current already: what follows cannot undo that, and costs only disk space.
      plugin.log.note(
        `version ${String(plugin.version)} is current; clearing away what it replaced failed: ${asServerError(error).message}`,
      );
    }
  }

  #now(): number {
    return (this.#ctx.deps.now ?? (() => performance.now()))();
  }
}

/** The installed version named, other than the current one; refused with what is installed. */
function installedOther(plugin: ManagedPlugin, version: string): VersionRecord {
  const found = plugin.versions.find((v) => v.version === version);
  if (found === undefined || found.state === 'current') {
    throw new ServerError(
      'PSRV_CONFLICT',
      found === undefined
        ? `version ${version} of plugin "${plugin.id}" is not installed (installed: ${describeVersions(plugin.versions)}); install it with an update first`
        : `version ${version} of plugin "${plugin.id}" is already current`,
      { details: { installed: plugin.versions.map((v) => v.version) } },
    );
  }
  return found;
}

/** The version named for a rollback, or the previous one; refused when there is none. */
function rollbackTarget(plugin: ManagedPlugin, to: string | undefined): VersionRecord {
  if (to !== undefined) {
    const named = installedOther(plugin, to);
    if (named.state === 'staged') {
      throw new ServerError(
        'PSRV_CONFLICT',
        `version ${to} of plugin "${plugin.id}" is staged, never current: make it current with activate, which checks it first`,
      );
    }
    return named;
  }
  const target = previousVersion(plugin.versions);
  if (target === undefined) {
    throw new ServerError(
      'PSRV_CONFLICT',
      `plugin "${plugin.id}" has no previous version installed to roll back to (installed: ${describeVersions(plugin.versions)}); name one with "to", or install one`,
      { details: { installed: plugin.versions.map((v) => v.version) } },
    );
  }
  return target;
}

/** Records the versions on disk, then in memory: what a restarted server starts from. */
export async function commitVersions(
  ctx: ManagerContext,
  plugin: ManagedPlugin,
  versions: readonly VersionRecord[],
): Promise<void> {
  await writeInstalledVersions(ctx.dirs.plugins, plugin.id, versions);
  plugin.versions = versions;
}
