/**
 * @module Makes an installed version current: its process starts (or the one already serving the
 * workflows pinned to it is taken), and only once it serves and accepts the configuration does it
 * replace the current one, which stays installed and keeps serving the workflows pinned to it. A
 * version that fails to start or refuses the configuration as it is made current is rolled back
 * at once (marked so, the current one serving on); one that crash-loops soon after is rolled back
 * when the supervisor gives up on it. A rollback is the same move to a lower version, marking
 * the versions above it rolled back. Requests from the operator are checked when asked, so one
 * that cannot be carried out is refused at once, then queued behind the plugin's operations.
 */
import { previousVersion } from '@plugboard/server-api';
import { asServerError, ServerError } from '../errors.ts';
import { writeInstalledVersions } from './installed-versions.ts';
import type { ManagerContext } from './manager-context.ts';
import type { ManagedPlugin, RunningInstance } from './managed-plugin.ts';
import { takeSide, type SideVersions } from './side-versions.ts';
import { stopInstance } from './stop-instance.ts';
import type { Supervisor } from './supervisor.ts';
import {
  currentOf,
  pruned,
  withCurrent,
  withRefused,
  withRolledBack,
  type VersionRecord,
} from './version-states.ts';

export interface VersionMove {
  readonly plugin: ManagedPlugin;
  readonly target: VersionRecord;
  /** `update`: a new or other version is made current; `rollback`: back to a lower one. */
  readonly mode: 'update' | 'rollback';
  /** Why, for a rollback: kept with the versions it marks and in the status reason. */
  readonly why?: string | undefined;
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
    const asked = plugin.versions.find((v) => v.version === version);
    if (asked === undefined || asked.state === 'current') {
      // Refuses with the reason: not installed, or current already.
      rollbackTarget(plugin, version);
    }
    void plugin.serialise(async () => {
      const target = plugin.versions.find((v) => v.version === version);
      if (target === undefined || target.state === 'current') {
        return;
      }
      plugin.log.note(`making version ${version} current`);
      await this.#moved(plugin, { plugin, target, mode: 'update' });
    });
  }

  /** Makes the previous installed version (or `to`) current (`POST /plugins/{id}/rollback`). */
  requestRollback(plugin: ManagedPlugin, to: string | undefined): void {
    rollbackTarget(plugin, to);
    void plugin.serialise(async () => {
      const target = rollbackTarget(plugin, to);
      const why = `rolled back from ${plugin.version ?? 'none'} to ${target.version} on request`;
      plugin.log.note(why);
      await this.#moved(plugin, { plugin, target, mode: 'rollback', why });
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
    let next = takeSide(plugin, target.version);
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
    const versions =
      mode === 'rollback'
        ? withRolledBack(plugin.versions, target.version, why)
        : withCurrent(plugin.versions, target.version);
    try {
      await commitVersions(ctx, plugin, versions);
    } catch (error) {
      await stopInstance(ctx.deps.engine, next, 0);
      throw error;
    }
    clearTimeout(plugin.restartTimer);
    plugin.running = next;
    plugin.version = target.version;
    plugin.source = target.source;
    plugin.policy.reset();
    plugin.log.note(`version ${target.version} is current`);
    const replaced = before !== undefined && before.version !== target.version;
    plugin.probation =
      mode === 'update' && replaced
        ? { from: before.version, until: this.#now() + ctx.deps.config.versions.probationMs }
        : undefined;
    this.#supervisor.settle(
      plugin,
      mode === 'rollback'
        ? why
        : replaced
          ? `version ${target.version} is current; ${before.version} stays installed for the workflows pinned to it`
          : undefined,
    );
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
      await this.#moved(plugin, { plugin, target, mode: 'rollback', why: reason });
    });
    return true;
  }

  /**
   * Removes the versions beyond the number kept (stopping a process of theirs first) and the
   * folders no record names any more (a version installed again replaced its folder).
   */
  async prune(plugin: ManagedPlugin, dropped: readonly string[] = []): Promise<void> {
    const ctx = this.#ctx;
    const { kept, removed } = pruned(plugin.versions, ctx.deps.config.versions.keep);
    if (removed.length > 0) {
      await commitVersions(ctx, plugin, kept);
    }
    for (const gone of removed) {
      await this.#sides.stop(plugin, gone.version);
      await ctx.deps.engine.remove(gone.folder);
      plugin.log.note(`version ${gone.version} removed: only ${String(kept.length)} are kept`);
    }
    for (const folder of dropped) {
      if (!plugin.versions.some((v) => v.folder === folder) && plugin.running?.folder !== folder) {
        await ctx.deps.engine.remove(folder);
      }
    }
  }

  /** Runs a version move; a failure with no version left serving is the plugin's error. */
  async #moved(plugin: ManagedPlugin, move: VersionMove): Promise<void> {
    try {
      await this.makeCurrent(move);
    } catch (error) {
      const failure = asServerError(error);
      plugin.lastError = { message: failure.message, code: failure.code, at: new Date() };
      if (plugin.running === undefined) {
        this.#ctx.setStatus(plugin, 'error', `${move.why ?? ''} failed: ${failure.message}`);
      } else {
        plugin.log.note(`the version change failed: ${failure.message}`);
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
    if (mode === 'update') {
      await commitVersions(ctx, plugin, withRefused(plugin.versions, target.version, why));
    }
    const reason =
      mode === 'update'
        ? `rolled back to ${serving} automatically: version ${target.version} ${why}`
        : `could not roll back to ${target.version}: it ${why}; ${serving} keeps serving`;
    plugin.log.note(reason);
    ctx.setStatus(
      plugin,
      plugin.running?.configured.valid === false ? 'missing_config' : 'running',
      reason,
    );
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
        if (stays?.state === 'kept' && stays.folder === previous.folder) {
          this.#sides.adopt(plugin, stays.version, previous);
        } else {
          await this.#supervisor.retire(plugin, previous);
        }
      }
      for (const version of plugin.versions) {
        if (version.state !== 'kept' && version.state !== 'current') {
          await this.#sides.stop(plugin, version.version);
        }
      }
      await this.prune(plugin, before === undefined ? [] : [before.folder]);
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

/** The version named for a rollback, or the previous one; refused when there is none. */
function rollbackTarget(plugin: ManagedPlugin, to: string | undefined): VersionRecord {
  const current = currentOf(plugin.versions);
  const installed = plugin.versions.map((v) => `${v.version} (${v.state})`).join(', ');
  const target =
    to === undefined
      ? previousVersion(plugin.versions)
      : plugin.versions.find((v) => v.version === to);
  if (target === undefined || target === current) {
    throw new ServerError(
      'PSRV_CONFLICT',
      to === undefined
        ? `plugin "${plugin.id}" has no previous version installed to roll back to (installed: ${installed || 'none'})`
        : target === current
          ? `version ${to} of plugin "${plugin.id}" is already current`
          : `version ${to} of plugin "${plugin.id}" is not installed (installed: ${installed || 'none'}); install it with an update`,
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
