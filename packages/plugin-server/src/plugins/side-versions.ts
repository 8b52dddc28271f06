/**
 * @module Processes of versions other than the current one: a workflow node pinned to an older
 * version runs on it while the current version serves everything else. Such a process starts on
 * the first call that names its version (or is the process of the version just replaced, handed
 * over still running), and stops after the configured idle time with no call, when its version
 * stops being callable, or when the plugin's grant or configuration changes (its next call starts
 * one with the new ones).
 */
import { describeVersions } from '@plugboard/server-api';
import { ServerError } from '../errors.ts';
import type { ManagerContext } from './manager-context.ts';
import type { ManagedPlugin, RunningInstance, SideVersion } from './managed-plugin.ts';
import { stopInstance } from './stop-instance.ts';
import type { Supervisor } from './supervisor.ts';
import type { VersionRecord } from './version-states.ts';

export class SideVersions {
  readonly #ctx: ManagerContext;
  readonly #supervisor: Supervisor;
  /**
   * The last failed start of each `<id>@<version>`: calls within the restart delay of it are
   * refused rather than each starting a process that fails again.
   */
  readonly #failed = new Map<string, { readonly at: number; readonly message: string }>();

  constructor(ctx: ManagerContext, supervisor: Supervisor) {
    this.#ctx = ctx;
    this.#supervisor = supervisor;
  }

  /** The process serving `version` of this plugin, started when none runs. */
  async instance(plugin: ManagedPlugin, version: string): Promise<RunningInstance> {
    // Each wait may see the versions change (a rollback, an uninstall, another call's start):
    // the record and the entry are looked at again after it, a few times at most.
    for (let look = 0; look < 3; look += 1) {
      const record = this.#callable(plugin, version);
      const side = plugin.sides.get(version);
      if (side === undefined) {
        return this.#started(plugin, record);
      }
      const running = side.instance ?? (await side.starting?.catch(() => undefined));
      if (plugin.sides.get(version) !== side) {
        continue;
      }
      const now = this.#callable(plugin, version);
      if (running !== undefined && !running.exited && running.folder === now.folder) {
        return this.#touched(plugin, version, running);
      }
      // Its version was installed again, or it exited: the next look starts one from the record.
      await this.stop(plugin, version);
    }
    throw unavailable(plugin, version, 'its versions kept changing while it started');
  }

  async #started(plugin: ManagedPlugin, record: VersionRecord): Promise<RunningInstance> {
    const { version } = record;
    const key = `${plugin.id}@${version}`;
    const failed = this.#failed.get(key);
    const waitMs = this.#ctx.deps.config.supervision.restartBaseMs;
    if (failed !== undefined && performance.now() - failed.at < waitMs) {
      throw unavailable(
        plugin,
        version,
        `it failed to start less than ${String(waitMs)} ms ago: ${failed.message}`,
      );
    }
    // Set before any wait, so a call arriving meanwhile waits on this start.
    const entry: SideVersion = {};
    const starting = this.#start(plugin, record);
    entry.starting = starting;
    plugin.sides.set(version, entry);
    try {
      const instance = await starting.catch((error: unknown) => {
        // A refused configuration is not retried sooner or later: it answers its own 409.
        if (!(error instanceof ServerError && error.code === 'PSRV_CONFLICT')) {
          this.#failed.set(key, { at: performance.now(), message: (error as Error).message });
        }
        throw error;
      });
      this.#failed.delete(key);
      entry.instance = instance;
      const still = plugin.versions.find((v) => v.version === version);
      if (
        plugin.sides.get(version) !== entry ||
        still?.folder !== record.folder ||
        (still.state !== 'kept' && still.state !== 'current')
      ) {
        // Stopped, or its version stopped being callable, while it started.
        await this.stop(plugin, version);
        throw unavailable(plugin, version, 'its version changed while it started');
      }
      return this.#touched(plugin, version, instance);
    } catch (error) {
      if (plugin.sides.get(version) === entry) {
        plugin.sides.delete(version);
      }
      throw error;
    } finally {
      entry.starting = undefined;
    }
  }

  /** Keeps `instance` (the replaced current process, still serving) for the calls pinned to `version`. */
  async adopt(plugin: ManagedPlugin, version: string, instance: RunningInstance): Promise<void> {
    if (plugin.sides.has(version)) {
      await this.stop(plugin, version);
    }
    plugin.sides.set(version, { instance });
    this.#touched(plugin, version, instance);
  }

  /**
   * The process of `version` taken out of the side processes, to serve as the current one; only
   * one started from `folder` (a version installed again has a new one) and still alive.
   */
  async take(
    plugin: ManagedPlugin,
    target: { version: string; folder: string },
  ): Promise<RunningInstance | undefined> {
    const side = plugin.sides.get(target.version);
    const instance = side?.instance ?? (await side?.starting?.catch(() => undefined));
    if (side === undefined || plugin.sides.get(target.version) !== side) {
      return undefined;
    }
    if (instance === undefined || instance.exited || instance.folder !== target.folder) {
      await this.stop(plugin, target.version);
      return undefined;
    }
    clearTimeout(side.idle);
    plugin.sides.delete(target.version);
    return instance;
  }

  /** Stops the side process of `version` (or of every version), letting its calls finish. */
  async stop(plugin: ManagedPlugin, version?: string): Promise<void> {
    const versions = version === undefined ? [...plugin.sides.keys()] : [version];
    if (version === undefined) {
      // A new grant, configuration or install: a version that failed may start now.
      for (const key of this.#failed.keys()) {
        if (key.startsWith(`${plugin.id}@`)) {
          this.#failed.delete(key);
        }
      }
    }
    await Promise.all(
      versions.map(async (v) => {
        const side = plugin.sides.get(v);
        plugin.sides.delete(v);
        clearTimeout(side?.idle);
        const instance = side?.instance ?? (await side?.starting?.catch(() => undefined));
        if (instance !== undefined) {
          await stopSideInstance(this.#ctx, plugin, instance);
        }
      }),
    );
  }

  /** The record of `version` when pinned calls may run on it; refused with why otherwise. */
  #callable(plugin: ManagedPlugin, version: string): VersionRecord {
    if (!this.#ctx.holds(plugin) || plugin.status === 'uninstalling' || this.#ctx.closing()) {
      throw unavailable(plugin, version, `the plugin is ${plugin.status}`);
    }
    const record = plugin.versions.find((v) => v.version === version);
    if (record !== undefined && (record.state === 'kept' || record.state === 'current')) {
      return record;
    }
    const installed = describeVersions(plugin.versions);
    throw new ServerError(
      record === undefined ? 'PSRV_PLUGIN_NOT_FOUND' : 'PSRV_CONFLICT',
      record === undefined
        ? `version ${version} of plugin "${plugin.id}" is not installed (installed: ${installed}); upgrade the workflow or install that version`
        : `version ${version} of plugin "${plugin.id}" is ${record.state.replace('_', ' ')}${record.reason === undefined ? '' : ` (${record.reason})`}; make it current again to run nodes on it`,
      { details: { forwarded: false, installed: plugin.versions.map((v) => v.version) } },
    );
  }

  async #start(plugin: ManagedPlugin, record: VersionRecord): Promise<RunningInstance> {
    const ctx = this.#ctx;
    const { manifest } = record;
    const instance = await this.#supervisor.launch(plugin, record.folder, manifest);
    if (!instance.configured.valid || ctx.closing()) {
      await stopInstance(ctx.deps.engine, instance, 0);
      throw new ServerError(
        ctx.closing() ? 'PSRV_UNAVAILABLE' : 'PSRV_CONFLICT',
        ctx.closing()
          ? 'the Plugin Server is shutting down; retry in a moment'
          : `version ${manifest.version} of plugin "${plugin.id}" refuses the plugin's configuration: ${instance.configured.issues.map((i) => i.message).join('; ')}; make a version that takes it current, or upgrade the workflow`,
        { details: { forwarded: false } },
      );
    }
    plugin.log.note(`version ${manifest.version} started for the workflows pinned to it`);
    return instance;
  }

  /** Restarts the idle clock of a side process; one with calls in flight is never stopped. */
  #touched(plugin: ManagedPlugin, version: string, instance: RunningInstance): RunningInstance {
    const side = plugin.sides.get(version);
    const idleMs = this.#ctx.deps.config.versions.idleStopMs;
    if (side === undefined || idleMs === 0) {
      return instance;
    }
    clearTimeout(side.idle);
    const check = (): void => {
      if (plugin.sides.get(version) !== side) {
        return;
      }
      const { running, pending } = instance.pool.stats;
      if (running + pending > 0) {
        side.idle = setTimeout(check, idleMs).unref();
        return;
      }
      plugin.log.note(`version ${version} stopped after ${String(idleMs)} ms without a call`);
      void this.stop(plugin, version);
    };
    side.idle = setTimeout(check, idleMs).unref();
    return instance;
  }
}

/**
 * A side process that exited on its own, or is stuck (a call overran its deadline, or it reports
 * executions that ignore their cancel): out of service and stopped; the next call starts another.
 */
export function dropSide(
  ctx: ManagerContext,
  plugin: ManagedPlugin,
  instance: RunningInstance,
): void {
  for (const [version, side] of plugin.sides) {
    if (side.instance === instance) {
      clearTimeout(side.idle);
      plugin.sides.delete(version);
      void stopSideInstance(ctx, plugin, instance);
    }
  }
}

async function stopSideInstance(
  ctx: ManagerContext,
  plugin: ManagedPlugin,
  instance: RunningInstance,
): Promise<void> {
  plugin.retiring.add(instance);
  await stopInstance(
    ctx.deps.engine,
    instance,
    instance.exited === true ? 0 : ctx.deps.config.supervision.stopGraceMs,
  );
  plugin.retiring.delete(instance);
}

function unavailable(plugin: ManagedPlugin, version: string, why: string): ServerError {
  return new ServerError(
    'PSRV_PLUGIN_UNAVAILABLE',
    `version ${version} of plugin "${plugin.id}" cannot take calls now (${why}); retry in a moment`,
    { details: { forwarded: false } },
  );
}
