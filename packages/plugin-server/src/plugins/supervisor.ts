/**
 * @module Keeps each plugin's process alive and replaceable: starts it (a missing grant waits
 * instead of crash-looping), restarts it after a crash with backoff up to the crash-loop limit,
 * replaces a process that overran a deadline or reports stuck executions (a timeout, not a
 * crash), and stops or retires processes so that calls already handed to them finish.
 */
import type { Manifest } from '@plugboard/protocol';
import { asServerError } from '../errors.ts';
import { reapply, settle } from './config-check.ts';
import { launch } from './launcher.ts';
import type { ManagerContext } from './manager-context.ts';
import type { ManagedPlugin, RunningInstance } from './managed-plugin.ts';
import { forgetSide } from './side-versions.ts';
import { stopInstance } from './stop-instance.ts';

export class Supervisor {
  readonly #ctx: ManagerContext;

  constructor(ctx: ManagerContext) {
    this.#ctx = ctx;
  }

  /** Starts a process for `folder`, watched: its exit and its stuck reports reach this supervisor. */
  launch(plugin: ManagedPlugin, folder: string, manifest?: Manifest): Promise<RunningInstance> {
    return launch(
      this.#ctx,
      { plugin, folder, manifest },
      {
        exited: (instance, how) => {
          if (plugin.running === instance) {
            this.#onCrash(plugin, instance, how);
          } else {
            forgetSide(plugin, instance);
          }
        },
        stuck: (instance, count) => {
          this.#recycleStuck(plugin, instance, count);
        },
      },
    );
  }

  /** `running` (with `reason`, when given) or `missing_config`, as the plugin judged its configuration. */
  settle(plugin: ManagedPlugin, reason?: string): void {
    settle(this.#ctx, plugin, reason);
  }

  /** Gives the running process the changed configuration; replaces a process that does not take it. */
  async reconfigure(plugin: ManagedPlugin): Promise<void> {
    const instance = plugin.running;
    if (instance === undefined || (await reapply(this.#ctx, plugin))) {
      this.settle(plugin);
      return;
    }
    this.#ctx.setStatus(plugin, 'restarting', 'the process did not take its new configuration');
    await this.stopRunning(plugin);
    await this.startOrCrash(plugin, instance.folder);
  }

  async startOrCrash(plugin: ManagedPlugin, folder: string): Promise<void> {
    if (this.#ctx.closing()) {
      return;
    }
    try {
      const instance = await this.launch(plugin, folder);
      if (this.#ctx.closing()) {
        // Shutdown began while it started: it must not outlive the server.
        instance.probe.stop();
        await this.#ctx.deps.engine.stop(instance.process, 0);
        return;
      }
      plugin.running = instance;
      this.settle(plugin);
    } catch (error) {
      const failure = asServerError(error);
      if (failure.code === 'PSRV_NOT_GRANTED') {
        // No restart can fix a missing grant: it waits for one instead of counting as a crash.
        plugin.lastError = { message: failure.message, code: failure.code, at: new Date() };
        plugin.onGrant = () => {
          void plugin.serialise(async () => {
            this.#ctx.setStatus(plugin, 'restarting', 'granted');
            await this.startOrCrash(plugin, folder);
          });
        };
        this.#ctx.setStatus(plugin, 'error', `${failure.message}; it starts once granted`);
        return;
      }
      this.#scheduleRestart(plugin, { folder, why: failure.message, ranForMs: 0 });
    }
  }

  /**
   * A call overran its deadline and the process did not answer even its own timeout: its event
   * loop is stuck. The process is replaced at once (no waiting for health probes); this counts
   * as a timeout, not a crash, and the calls still on it answer a retryable error.
   */
  replaceOverdue(plugin: ManagedPlugin, instance: RunningInstance, why: string): void {
    if (plugin.running !== instance || instance.overdue !== undefined) {
      return;
    }
    this.#countTimeout(plugin, instance, why);
    // Out of the way now, so no new call reaches it and its exit is not taken for a crash.
    plugin.running = undefined;
    this.#ctx.setStatus(plugin, 'restarting', `${why}; replacing the process`);
    void plugin.serialise(async () => {
      instance.probe.stop();
      await this.#ctx.deps.engine.stop(instance.process, 0);
      await instance.pool.destroy().catch(() => undefined);
      if (plugin.running === undefined && plugin.status === 'restarting') {
        await this.startOrCrash(plugin, instance.folder);
      }
    });
  }

  /** Stops an instance that has been replaced: no new requests reach it, in-flight ones finish. */
  async retire(plugin: ManagedPlugin, old: RunningInstance): Promise<void> {
    const { deps } = this.#ctx;
    plugin.retiring.add(old);
    await stopInstance(deps.engine, old, deps.config.supervision.stopGraceMs);
    plugin.retiring.delete(old);
    // An installed version's folder stays, whether or not a process of it runs right now (its
    // replacement may have crashed meanwhile and be about to restart from it).
    if (
      old.folder !== plugin.running?.folder &&
      !plugin.versions.some((v) => v.folder === old.folder)
    ) {
      await deps.engine.remove(old.folder);
    }
  }

  async stopRunning(plugin: ManagedPlugin): Promise<void> {
    const instance = plugin.running;
    if (instance === undefined) {
      return;
    }
    plugin.running = undefined;
    const { deps } = this.#ctx;
    await stopInstance(deps.engine, instance, deps.config.supervision.stopGraceMs);
  }

  #countTimeout(plugin: ManagedPlugin, instance: RunningInstance, why: string): void {
    instance.overdue = why;
    plugin.timeouts += 1;
    plugin.lastError = { message: why, code: 'PSRV_PLUGIN_TIMEOUT', at: new Date() };
    plugin.log.note(`${why}; replacing the process`);
  }

  /**
   * The process reports executions that ran on past their deadline or cancel (code ignoring its
   * signal). A replacement starts and takes new calls before the old process stops, and the old
   * one's other calls finish on it, so the plugin keeps serving; this counts as a timeout.
   */
  #recycleStuck(plugin: ManagedPlugin, instance: RunningInstance, stuck: number): void {
    if (plugin.running !== instance || instance.overdue !== undefined || this.#ctx.closing()) {
      return;
    }
    this.#countTimeout(
      plugin,
      instance,
      `${String(stuck)} execution${stuck === 1 ? '' : 's'} kept running past the deadline or cancel`,
    );
    void plugin.serialise(async () => {
      if (plugin.running !== instance || this.#ctx.closing()) {
        return;
      }
      let next: RunningInstance;
      try {
        next = await this.launch(plugin, instance.folder, instance.manifest);
      } catch (error) {
        // The old process still serves (its stuck work holds no slot); a probe tries again once
        // the longest restart delay has passed, not at every probe.
        plugin.log.note(`could not start its replacement: ${asServerError(error).message}`);
        setTimeout(() => {
          instance.overdue = undefined;
        }, this.#ctx.deps.config.supervision.restartMaxMs).unref();
        return;
      }
      if (plugin.running !== instance || this.#ctx.closing()) {
        await stopInstance(this.#ctx.deps.engine, next, 0);
        return;
      }
      plugin.running = next;
      await this.retire(plugin, instance);
    });
  }

  #onCrash(plugin: ManagedPlugin, instance: RunningInstance, how: string): void {
    instance.probe.stop();
    // Closed, not destroyed: calls still queued in the pool meet a refused connection, which
    // proves they reached no process, and are handed to the next one.
    void instance.pool.close().catch(() => undefined);
    plugin.running = undefined;
    if (this.#ctx.closing()) {
      return;
    }
    const ranForMs = Date.now() - instance.process.startedAt.getTime();
    this.#scheduleRestart(plugin, { folder: instance.folder, why: `the process ${how}`, ranForMs });
  }

  #scheduleRestart(
    plugin: ManagedPlugin,
    crash: { folder: string; why: string; ranForMs: number },
  ): void {
    const { folder, why } = crash;
    // Monotonic time, so a wall-clock jump cannot empty or fill the crash window.
    const { now = () => performance.now() } = this.#ctx.deps;
    const decision = plugin.policy.onCrash(now(), crash.ranForMs);
    plugin.lastError = { message: why, code: 'PSRV_PLUGIN_CRASHED', at: new Date() };
    if (!decision.restart && this.#ctx.crashLooped(plugin, `${why}; it ${decision.reason}`)) {
      return;
    }
    if (!decision.restart) {
      // The reason and the log tail travel with the error status, so read the tail first.
      this.#ctx.setStatus(plugin, 'restarting', why);
      void plugin.log.tail(20).then((logTail) => {
        // Something else (a restart, an install, an uninstall) may have acted meanwhile.
        if (
          plugin.status !== 'restarting' ||
          plugin.running !== undefined ||
          !this.#ctx.holds(plugin)
        ) {
          return;
        }
        plugin.lastError = { message: why, code: 'PSRV_PLUGIN_CRASHED', at: new Date(), logTail };
        this.#ctx.setStatus(
          plugin,
          'error',
          `${why}; it ${decision.reason}, so it is not restarted until it is reinstalled or restarted`,
        );
      });
      return;
    }
    this.#ctx.setStatus(
      plugin,
      'restarting',
      `${why}; restarting in ${String(decision.delayMs)} ms`,
    );
    void plugin.log.tail(20).then((logTail) => {
      if (plugin.lastError?.message === why) {
        plugin.lastError = { ...plugin.lastError, logTail };
      }
    });
    plugin.restartTimer = setTimeout(() => {
      void plugin.serialise(async () => {
        if (plugin.status !== 'restarting' || this.#ctx.closing()) {
          return;
        }
        plugin.restarts += 1;
        await this.startOrCrash(plugin, folder);
      });
    }, decision.delayMs);
  }
}
