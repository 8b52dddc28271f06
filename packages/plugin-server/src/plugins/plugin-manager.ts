/**
 * @module The plugin manager: the one place the Plugin Server's routes, forwarder and reconciler
 * act on plugins through. It holds the plugin records, runs one operation at a time per plugin,
 * and tells listeners about every status change; the work itself is done by its parts — boot
 * recovery, the install pipeline, the supervisor (launch, crash restarts, replacements) and the
 * configuration check.
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import { EventEmitter } from 'node:events';
import { availableParallelism } from 'node:os';
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import {
  canMoveTo,
  PLUGIN_STATUS_RULES,
  pluginIdSchema,
  type PluginStatus,
} from '@plugboard/protocol';
import type { PluginGrant } from '@plugboard/server-api';
import { dataLayout, type DataLayout } from '../data-layout.ts';
import { PluginLog } from '../engine/plugin-log.ts';
import { ServerError } from '../errors.ts';
import { decideGrants } from '../sandbox/grants.ts';
import { recoverInstalled } from './boot-recovery.ts';
import { ConcurrencyGate } from './concurrency-gate.ts';
import { writeDesired } from './desired-record.ts';
import type { InstallRequest } from './install-request.ts';
import { installVersion } from './install-pipeline.ts';
import type { ManagerContext, PluginManagerDeps } from './manager-context.ts';
import { ManagedPlugin, type RunningInstance } from './managed-plugin.ts';
import { SideVersions } from './side-versions.ts';
import { Supervisor } from './supervisor.ts';
import { VersionSwitch } from './version-switch.ts';
import { currentOf } from './version-states.ts';

export type { InstallRequest } from './install-request.ts';
export type { PluginManagerDeps } from './manager-context.ts';

export interface StatusChange {
  readonly id: string;
  readonly status: PluginStatus;
  readonly reason?: string | undefined;
}

export class PluginManager extends EventEmitter<{ status: [StatusChange]; ready: [] }> {
  readonly #deps: PluginManagerDeps;
  readonly #plugins = new Map<string, ManagedPlugin>();
  readonly #dirs: DataLayout;
  #closing = false;
  #ready = false;
  readonly #installs: ConcurrencyGate;
  readonly #starts = new ConcurrencyGate(Math.max(2, availableParallelism() * 2));
  readonly #ctx: ManagerContext;
  readonly #supervisor: Supervisor;
  readonly #sides: SideVersions;
  readonly #switch: VersionSwitch;

  constructor(deps: PluginManagerDeps) {
    super();
    // Every call waiting for its plugin to come back listens for a moment; there may be many.
    this.setMaxListeners(0);
    this.#deps = deps;
    this.#dirs = dataLayout(deps.config.dataDir);
    this.#installs = new ConcurrencyGate(deps.config.limits.parallelInstalls);
    this.#ctx = {
      deps,
      dirs: this.#dirs,
      closing: () => this.#closing,
      setStatus: (plugin, status, reason) => {
        this.#setStatus(plugin, status, reason);
      },
      holds: (plugin) => this.#plugins.get(plugin.id) === plugin,
      crashLooped: (plugin, why) => this.#switch.rollBackCrashLoop(plugin, why),
    };
    this.#supervisor = new Supervisor(this.#ctx);
    this.#sides = new SideVersions(this.#ctx, this.#supervisor);
    this.#switch = new VersionSwitch(this.#ctx, this.#supervisor, this.#sides);
  }

  /** Whether the plugin records of the data folder are loaded: until then no plugin is known. */
  get ready(): boolean {
    return this.#ready;
  }

  /**
   * The plugin once it can take a call: waits, up to `waitMs` or the signal, while the records are
   * still loading or the plugin is installing or restarting with no process serving. A caller
   * then gets the plugin's real state, not a transient one.
   */
  async whenServing(
    id: string,
    waitMs: number,
    signal: AbortSignal,
  ): Promise<ManagedPlugin | undefined> {
    const deadline = performance.now() + waitMs;
    const transient = (): boolean => {
      const plugin = this.#plugins.get(id);
      if (plugin === undefined) {
        return !this.#ready;
      }
      return plugin.running === undefined && PLUGIN_STATUS_RULES[plugin.status].passing;
    };
    while (transient() && !signal.aborted && performance.now() < deadline) {
      await new Promise<void>((resolve) => {
        const done = (): void => {
          clearTimeout(timer);
          this.off('status', onStatus);
          this.off('ready', done);
          signal.removeEventListener('abort', done);
          resolve();
        };
        const onStatus = (change: StatusChange): void => {
          if (change.id === id) {
            done();
          }
        };
        const timer = setTimeout(done, deadline - performance.now());
        this.on('status', onStatus);
        this.on('ready', done);
        signal.addEventListener('abort', done, { once: true });
      });
    }
    return this.#plugins.get(id);
  }

  get uploadsDir(): string {
    return this.#dirs.uploads;
  }

  list(): ManagedPlugin[] {
    return [...this.#plugins.values()];
  }

  get(id: string): ManagedPlugin | undefined {
    return this.#plugins.get(id);
  }

  /** The plugin whose running process was given this launch token (the file bridge's caller). */
  findByLaunchToken(token: string): ManagedPlugin | undefined {
    return this.list().find((plugin) =>
      [
        plugin.running,
        ...plugin.retiring,
        ...[...plugin.sides.values()].map((side) => side.instance),
      ].some((instance) => instance !== undefined && sameSecret(instance.process.token, token)),
    );
  }

  /**
   * The process serving `version` of the plugin: the current one's, or one of an older version
   * kept for the workflows pinned to it (started on this call when none runs).
   */
  async instanceFor(plugin: ManagedPlugin, version: string): Promise<RunningInstance | undefined> {
    return version === plugin.version ? plugin.running : this.#sides.instance(plugin, version);
  }

  /** Makes an installed version current (`POST /plugins/{id}/activate`). */
  activate(id: string, version: string): ManagedPlugin {
    const plugin = this.#installed(id);
    this.#switch.requestActivate(plugin, version);
    return plugin;
  }

  /** Makes the previous installed version (or `to`) current at once (`POST /plugins/{id}/rollback`). */
  rollback(id: string, to: string | undefined): ManagedPlugin {
    const plugin = this.#installed(id);
    this.#switch.requestRollback(plugin, to);
    return plugin;
  }

  /** Prepares the data folder and starts every plugin a previous run installed. */
  async boot(): Promise<void> {
    await recoverInstalled(this.#ctx, {
      entry: (id) => this.#entry(id),
      supervisor: this.#supervisor,
      starts: this.#starts,
    });
    this.#ready = true;
    this.emit('ready');
  }

  install(id: string, requested: InstallRequest): ManagedPlugin {
    const plugin = this.#entry(checkId(id));
    if (requested.config !== undefined) {
      plugin.config = requested.config;
    }
    if (requested.grant !== undefined) {
      plugin.grant = requested.grant;
    }
    // A new install replaces one that waited for a grant, and a record that could not be read.
    plugin.onGrant = undefined;
    plugin.broken = undefined;
    // Capped across plugins, so a burst of installs (a reconcile at boot) never starves the box.
    void plugin.serialise(async () => {
      if (requested.grant !== undefined || requested.config !== undefined) {
        await this.#saveDesired(plugin);
      }
      await this.#installs.run(() =>
        installVersion(this.#ctx, this.#switch, {
          plugin,
          requested,
          again: () => {
            this.install(plugin.id, { ...requested, grant: undefined });
          },
        }),
      );
    });
    return plugin;
  }

  /**
   * Records the operator's grant. What waited for it runs now; a running process that asks for
   * more than the new grant allows is stopped (it never runs with more than it was granted).
   */
  grant(id: string, grant: PluginGrant): ManagedPlugin {
    const plugin = this.#installed(id);
    plugin.grant = grant;
    void plugin.serialise(async () => {
      await this.#saveDesired(plugin);
      plugin.log.note(`granted: ${JSON.stringify(grant)}`);
      // Older versions' processes start again with the new grant on their next call.
      await this.#sides.stop(plugin);
      const waiting = plugin.onGrant;
      plugin.onGrant = undefined;
      if (waiting !== undefined) {
        waiting();
        return;
      }
      const instance = plugin.running;
      if (
        instance !== undefined &&
        !decideGrants(
          { pluginId: plugin.id, requested: instance.manifest, grant },
          this.#deps.config,
        ).ok
      ) {
        this.#setStatus(plugin, 'restarting', 'its grant no longer covers what it asks for');
        await this.#supervisor.stopRunning(plugin);
        await this.#supervisor.startOrCrash(plugin, instance.folder);
      }
    });
    return plugin;
  }

  uninstall(id: string): ManagedPlugin | undefined {
    const plugin = this.#plugins.get(checkId(id));
    if (plugin === undefined) {
      return undefined;
    }
    void plugin.serialise(async () => {
      this.#setStatus(plugin, 'uninstalling');
      plugin.onGrant = undefined;
      // No pinned call starts a process of a version whose files are going.
      plugin.versions = [];
      clearTimeout(plugin.restartTimer);
      await this.#supervisor.stopRunning(plugin);
      await this.#sides.stop(plugin);
      await this.#deps.engine.remove(join(this.#dirs.plugins, id));
      plugin.log.note('uninstalled');
      // An install queued behind this uninstall reuses the record (and its log); otherwise it goes.
      if (plugin.waiting === 0) {
        plugin.log.close();
        await rm(plugin.log.path, { force: true });
        await rm(`${plugin.log.path}.1`, { force: true });
        this.#plugins.delete(id);
      }
      plugin.versions = [];
      this.#setStatus(plugin, 'uninstalled');
    });
    return plugin;
  }

  /** Tells listeners a plugin this server does not have is uninstalled (the platform is removing it). */
  reportUninstalled(id: string): void {
    this.emit('status', { id, status: 'uninstalled', reason: 'not on this Plugin Server' });
  }

  /** Sets the plugin's configuration and gives it to its process: `missing_config` ⇄ `running`. */
  configure(id: string, config: Record<string, unknown>): ManagedPlugin {
    const plugin = this.#installed(id);
    plugin.config = config;
    void plugin.serialise(async () => {
      await this.#saveDesired(plugin);
      // Older versions' processes start again with the new configuration on their next call.
      await this.#sides.stop(plugin);
      if (
        plugin.running !== undefined &&
        (plugin.status === 'running' || plugin.status === 'missing_config')
      ) {
        await this.#supervisor.reconfigure(plugin);
      }
    });
    return plugin;
  }

  restart(id: string): ManagedPlugin {
    const plugin = this.#plugins.get(checkId(id));
    if (plugin?.version === undefined) {
      throw new ServerError('PSRV_PLUGIN_NOT_FOUND', `no plugin "${id}" is installed`);
    }
    void plugin.serialise(async () => {
      const current = currentOf(plugin.versions);
      if (current === undefined) {
        return;
      }
      clearTimeout(plugin.restartTimer);
      this.#setStatus(plugin, 'restarting', 'restart requested');
      await this.#supervisor.stopRunning(plugin);
      plugin.policy.reset();
      await this.#supervisor.startOrCrash(plugin, current.folder);
    });
    return plugin;
  }

  /** A call to this process overran its deadline with no answer: see Supervisor.replaceOverdue. */
  replaceOverdue(plugin: ManagedPlugin, instance: RunningInstance, why: string): void {
    this.#supervisor.replaceOverdue(plugin, instance, why);
  }

  /** Stops every plugin process (gracefully, in parallel); the installed files stay for the next boot. */
  async shutdown(): Promise<void> {
    this.#closing = true;
    await Promise.all(
      this.list().map(async (plugin) => {
        clearTimeout(plugin.restartTimer);
        await Promise.all([this.#supervisor.stopRunning(plugin), this.#sides.stop(plugin)]);
        plugin.log.close();
      }),
    );
  }

  #installed(id: string): ManagedPlugin {
    const plugin = this.#plugins.get(checkId(id));
    if (plugin === undefined) {
      throw new ServerError('PSRV_PLUGIN_NOT_FOUND', `no plugin "${id}" is installed`);
    }
    return plugin;
  }

  /** Keeps the config and grant for the next boot; a failed write only costs a slower comeback. */
  async #saveDesired(plugin: ManagedPlugin): Promise<void> {
    try {
      await writeDesired(this.#dirs.plugins, plugin.id, {
        ...(plugin.config === undefined ? {} : { config: plugin.config }),
        grant: plugin.grant,
      });
    } catch (error) {
      plugin.log.note(
        `could not keep the configuration for the next start: ${(error as Error).message}`,
      );
    }
  }

  #entry(id: string): ManagedPlugin {
    let plugin = this.#plugins.get(id);
    if (plugin === undefined) {
      plugin = new ManagedPlugin(
        id,
        new PluginLog(join(this.#dirs.logs, `${id}.log`), this.#deps.config.limits.maxLogBytes),
        this.#deps.config.supervision,
      );
      this.#plugins.set(id, plugin);
    }
    return plugin;
  }

  #setStatus(plugin: ManagedPlugin, status: PluginStatus, reason?: string): void {
    if (!canMoveTo(plugin.status, status)) {
      // The rules are the contract every reader of statuses relies on: a move outside them is a
      // bug here, said loudly, though the plugin's real state still wins.
      plugin.log.note(`unexpected status change ${plugin.status} → ${status}`);
      this.#deps.onUnexpectedStatus?.(plugin.id, plugin.status, status);
    }
    plugin.status = status;
    plugin.reason = reason;
    plugin.log.note(`status ${status}${reason === undefined ? '' : `: ${reason}`}`);
    this.emit('status', { id: plugin.id, status, reason });
  }
}

function sameSecret(a: string, b: string): boolean {
  const left = createHash('sha256').update(a).digest();
  const right = createHash('sha256').update(b).digest();
  return timingSafeEqual(left, right);
}

function checkId(id: string): string {
  if (!pluginIdSchema.safeParse(id).success) {
    throw new ServerError(
      'PSRV_BAD_REQUEST',
      `"${id.slice(0, 80)}" is not a plugin id (lower-case letters, digits, ".", "_", "-")`,
    );
  }
  return id;
}
