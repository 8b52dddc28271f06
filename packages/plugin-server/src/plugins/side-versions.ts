/**
 * @module Processes of versions other than the current one: a workflow node pinned to an older
 * version runs on it while the current version serves everything else. Such a process starts on
 * the first call that names its version (or is the process of the version just replaced, handed
 * over still running), and stops after the configured idle time with no call.
 */
import { ServerError } from '../errors.ts';
import type { ManagerContext } from './manager-context.ts';
import type { ManagedPlugin, RunningInstance, SideVersion } from './managed-plugin.ts';
import { stopInstance } from './stop-instance.ts';
import type { Supervisor } from './supervisor.ts';
import type { VersionRecord } from './version-states.ts';

export class SideVersions {
  readonly #ctx: ManagerContext;
  readonly #supervisor: Supervisor;

  constructor(ctx: ManagerContext, supervisor: Supervisor) {
    this.#ctx = ctx;
    this.#supervisor = supervisor;
  }

  /** The process serving `version` of this plugin, started when none runs. */
  async instance(plugin: ManagedPlugin, version: string): Promise<RunningInstance> {
    const side = plugin.sides.get(version);
    if (side?.instance !== undefined) {
      return this.#touched(plugin, version, side.instance);
    }
    if (side?.starting !== undefined) {
      return this.#touched(plugin, version, await side.starting);
    }
    const record = plugin.versions.find((v) => v.version === version);
    if (record === undefined || (record.state !== 'kept' && record.state !== 'current')) {
      const installed = plugin.versions.map((v) => `${v.version} (${v.state})`).join(', ');
      throw new ServerError(
        record === undefined ? 'PSRV_PLUGIN_NOT_FOUND' : 'PSRV_CONFLICT',
        record === undefined
          ? `version ${version} of plugin "${plugin.id}" is not installed (installed: ${installed || 'none'}); upgrade the workflow or install that version`
          : `version ${version} of plugin "${plugin.id}" is ${record.state.replace('_', ' ')}${record.reason === undefined ? '' : ` (${record.reason})`}; make it current again to run nodes on it`,
        { details: { forwarded: false, installed: plugin.versions.map((v) => v.version) } },
      );
    }
    const entry: SideVersion = {};
    const starting = this.#start(plugin, record);
    entry.starting = starting;
    plugin.sides.set(version, entry);
    try {
      const instance = await starting;
      entry.instance = instance;
      return this.#touched(plugin, version, instance);
    } catch (error) {
      plugin.sides.delete(version);
      throw error;
    } finally {
      entry.starting = undefined;
    }
  }

  /** Keeps `instance` (the replaced current process, still serving) for the calls pinned to `version`. */
  adopt(plugin: ManagedPlugin, version: string, instance: RunningInstance): void {
    plugin.sides.set(version, { instance });
    this.#touched(plugin, version, instance);
  }

  /** Stops the side process of `version` (or of every version), letting its calls finish. */
  async stop(plugin: ManagedPlugin, version?: string): Promise<void> {
    const { engine, config } = this.#ctx.deps;
    const versions = version === undefined ? [...plugin.sides.keys()] : [version];
    await Promise.all(
      versions.map(async (v) => {
        const side = plugin.sides.get(v);
        plugin.sides.delete(v);
        clearTimeout(side?.idle);
        const instance = side?.instance ?? (await side?.starting?.catch(() => undefined));
        if (instance !== undefined) {
          plugin.retiring.add(instance);
          await stopInstance(engine, instance, config.supervision.stopGraceMs);
          plugin.retiring.delete(instance);
        }
      }),
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
          : `version ${manifest.version} of plugin "${plugin.id}" refuses the plugin's configuration: ${instance.configured.issues.map((i) => i.message).join('; ')}`,
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

/** Takes the process of `version` out of the side processes, to serve as the current one. */
export function takeSide(plugin: ManagedPlugin, version: string): RunningInstance | undefined {
  const side = plugin.sides.get(version);
  if (side?.instance === undefined) {
    return undefined;
  }
  clearTimeout(side.idle);
  plugin.sides.delete(version);
  return side.instance;
}

/** Forgets a side process that exited on its own; the next call starts another. */
export function forgetSide(plugin: ManagedPlugin, instance: RunningInstance): void {
  for (const [version, side] of plugin.sides) {
    if (side.instance === instance) {
      clearTimeout(side.idle);
      plugin.sides.delete(version);
      instance.probe.stop();
      void instance.pool.destroy().catch(() => undefined);
    }
  }
}
