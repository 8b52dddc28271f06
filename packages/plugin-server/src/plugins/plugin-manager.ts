/**
 * @module The plugin manager: installs (fetch → validate → dependencies → start → swap), uninstalls,
 * restarts and supervises plugins, one operation at a time per plugin, and tells listeners about
 * every status change.
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import { EventEmitter } from 'node:events';
import { availableParallelism } from 'node:os';
import { mkdir, mkdtemp, readdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import {
  pluginIdSchema,
  type Manifest,
  type PluginStatus,
  type ValidateConfigResponse,
} from '@plugboard/protocol';
import { Pool } from 'undici';
import type { ServerConfig } from '../config.ts';
import { dataLayout, type DataLayout } from '../data-layout.ts';
import { PluginLog } from '../engine/plugin-log.ts';
import type { Engine } from '../engine/engine.ts';
import { ServerError } from '../errors.ts';
import { validatePackage } from '../install/validate-package.ts';
import { fetchSource } from '../sources/fetch-source.ts';
import { isDiskFull, type PluginGrant, type PluginSource } from '@plugboard/server-api';
import { decideGrants, requireGrants } from '../sandbox/grants.ts';
import { startHealthProbe } from '../supervisor/health-probe.ts';
import { ConcurrencyGate } from './concurrency-gate.ts';
import { readCurrentVersion, writeCurrentVersion } from './current-version.ts';
import { readDesired, writeDesired } from './desired-record.ts';
import { fetchManifest, validateConfig } from './plugin-calls.ts';
import { ManagedPlugin, type RunningInstance } from './managed-plugin.ts';
import { redactSource } from './redact-source.ts';
import { stopInstance } from './stop-instance.ts';

export interface InstallRequest {
  readonly version?: string | undefined;
  readonly source: PluginSource;
  /** The plugin configuration; checked by the plugin's validate-config once it runs. */
  readonly config?: Record<string, unknown> | undefined;
  /** What the platform's operator grants it; kept as it is when absent. */
  readonly grant?: PluginGrant | undefined;
}

export interface StatusChange {
  readonly id: string;
  readonly status: PluginStatus;
  readonly reason?: string | undefined;
}

export interface PluginManagerDeps {
  readonly config: ServerConfig;
  readonly engine: Engine;
  /** Extra environment for every plugin process (the file bridge URL). */
  readonly pluginEnv?: () => Readonly<Record<string, string>>;
  readonly now?: () => number;
}

export class PluginManager extends EventEmitter<{ status: [StatusChange]; ready: [] }> {
  readonly #deps: PluginManagerDeps;
  readonly #plugins = new Map<string, ManagedPlugin>();
  readonly #dirs: DataLayout;
  #closing = false;
  #ready = false;
  readonly #installs: ConcurrencyGate;
  readonly #starts = new ConcurrencyGate(Math.max(2, availableParallelism() * 2));

  constructor(deps: PluginManagerDeps) {
    super();
    // Every call waiting for its plugin to come back listens for a moment; there may be many.
    this.setMaxListeners(0);
    this.#deps = deps;
    this.#dirs = dataLayout(deps.config.dataDir);
    this.#installs = new ConcurrencyGate(deps.config.limits.parallelInstalls);
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
      return (
        plugin.running === undefined &&
        (plugin.status === 'installing' || plugin.status === 'restarting')
      );
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
      [plugin.running, ...plugin.retiring].some(
        (instance) => instance !== undefined && sameSecret(instance.process.token, token),
      ),
    );
  }

  /** Prepares the data folder and starts every plugin a previous run installed. */
  async boot(): Promise<void> {
    for (const dir of Object.values(this.#dirs) as string[]) {
      await mkdir(dir, { recursive: true });
    }
    // Whatever a crashed run left half-fetched is garbage.
    for (const leftover of await readdir(this.#dirs.staging)) {
      await rm(join(this.#dirs.staging, leftover), { recursive: true, force: true });
    }
    for (const id of await readdir(this.#dirs.plugins)) {
      const current = await readCurrentVersion(this.#dirs.plugins, id);
      await this.#clearInterrupted(id, current?.folder);
      if (current === undefined) {
        continue;
      }
      const plugin = this.#entry(id);
      plugin.version = current.version;
      plugin.source = current.source;
      const desired = await readDesired(this.#dirs.plugins, id);
      plugin.config = desired.config;
      plugin.grant = desired.grant ?? {};
      // Starts are capped too: a box with many plugins would otherwise start them all at once, and
      // each handshake would wait as long as the whole restart (past its timeout, with enough).
      void plugin.serialise(async () => {
        // What a killed previous run left goes first, so no plugin ever runs twice.
        if (await this.#deps.engine.reapLeftover(current.folder)) {
          plugin.log.note('stopped a process the previous Plugin Server run left behind');
        }
        this.#setStatus(plugin, 'restarting', 'starting after a Plugin Server restart');
        await this.#starts.run(() => this.#startOrCrash(plugin, current.folder));
      });
    }
    this.#ready = true;
    this.emit('ready');
  }

  /**
   * What an install interrupted by a crash left: version folders other than the current one (and
   * a process still starting in one), and a plugin folder with no installed version at all. The
   * platform's desired state brings back whatever should be there.
   */
  async #clearInterrupted(id: string, keep: string | undefined): Promise<void> {
    const dir = join(this.#dirs.plugins, id);
    const entries = await readdir(dir, { withFileTypes: true }).catch(() => []);
    for (const entry of entries) {
      const folder = join(dir, entry.name);
      if (!entry.isDirectory() || folder === keep) {
        continue;
      }
      await this.#deps.engine.reapLeftover(folder);
      await this.#deps.engine.remove(folder);
    }
    if (keep === undefined) {
      await rm(dir, { recursive: true, force: true });
    }
  }

  install(id: string, requested: InstallRequest): ManagedPlugin {
    const plugin = this.#entry(checkId(id));
    if (requested.config !== undefined) {
      plugin.config = requested.config;
    }
    if (requested.grant !== undefined) {
      plugin.grant = requested.grant;
    }
    // A new install replaces one that waited for a grant.
    plugin.onGrant = undefined;
    // Capped across plugins, so a burst of installs (a reconcile at boot) never starves the box.
    void plugin.serialise(async () => {
      if (requested.grant !== undefined || requested.config !== undefined) {
        await this.#saveDesired(plugin);
      }
      await this.#installs.run(() => this.#install(plugin, requested));
    });
    return plugin;
  }

  /**
   * Records the operator's grant. What waited for it runs now; a running process that asks for
   * more than the new grant allows is stopped (it never runs with more than it was granted).
   */
  grant(id: string, grant: PluginGrant): ManagedPlugin {
    const plugin = this.#plugins.get(checkId(id));
    if (plugin === undefined) {
      throw new ServerError('PSRV_PLUGIN_NOT_FOUND', `no plugin "${id}" is installed`);
    }
    plugin.grant = grant;
    void plugin.serialise(async () => {
      await this.#saveDesired(plugin);
      plugin.log.note(`granted: ${JSON.stringify(grant)}`);
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
        await this.#stopRunning(plugin);
        await this.#startOrCrash(plugin, instance.folder);
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
      clearTimeout(plugin.restartTimer);
      await this.#stopRunning(plugin);
      await this.#deps.engine.remove(join(this.#dirs.plugins, id));
      plugin.log.note('uninstalled');
      // An install queued behind this uninstall reuses the record (and its log); otherwise it goes.
      if (plugin.waiting === 0) {
        plugin.log.close();
        await rm(plugin.log.path, { force: true });
        await rm(`${plugin.log.path}.1`, { force: true });
        this.#plugins.delete(id);
      }
      plugin.version = undefined;
      this.#setStatus(plugin, 'uninstalled');
    });
    return plugin;
  }

  /** Tells listeners a plugin this server does not have is uninstalled (the platform is removing it). */
  reportUninstalled(id: string): void {
    this.emit('status', { id, status: 'uninstalled', reason: 'not on this Plugin Server' });
  }

  /** Sets the plugin's configuration and re-checks it: `missing_config` ⇄ `running`. */
  configure(id: string, config: Record<string, unknown>): ManagedPlugin {
    const plugin = this.#plugins.get(checkId(id));
    if (plugin === undefined) {
      throw new ServerError('PSRV_PLUGIN_NOT_FOUND', `no plugin "${id}" is installed`);
    }
    plugin.config = config;
    void plugin.serialise(async () => {
      await this.#saveDesired(plugin);
      if (
        plugin.running !== undefined &&
        (plugin.status === 'running' || plugin.status === 'missing_config')
      ) {
        await this.#settle(plugin);
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
      const current = await readCurrentVersion(this.#dirs.plugins, id);
      if (current === undefined) {
        return;
      }
      clearTimeout(plugin.restartTimer);
      this.#setStatus(plugin, 'restarting', 'restart requested');
      await this.#stopRunning(plugin);
      plugin.policy.reset();
      await this.#startOrCrash(plugin, current.folder);
    });
    return plugin;
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
    instance.overdue = why;
    plugin.timeouts += 1;
    plugin.lastError = { message: why, code: 'PSRV_PLUGIN_TIMEOUT', at: new Date() };
    plugin.log.note(`${why}; replacing the process`);
    // Out of the way now, so no new call reaches it and its exit is not taken for a crash.
    plugin.running = undefined;
    this.#setStatus(plugin, 'restarting', `${why}; replacing the process`);
    void plugin.serialise(async () => {
      instance.probe.stop();
      await this.#deps.engine.stop(instance.process, 0);
      await instance.pool.destroy().catch(() => undefined);
      if (plugin.running === undefined && plugin.status === 'restarting') {
        await this.#startOrCrash(plugin, instance.folder);
      }
    });
  }

  /**
   * The process reports executions that ran on past their deadline or cancel (code ignoring its
   * signal). A replacement starts and takes new calls before the old process stops, and the old
   * one's other calls finish on it, so the plugin keeps serving; this counts as a timeout.
   */
  #recycleStuck(plugin: ManagedPlugin, instance: RunningInstance, stuck: number): void {
    if (plugin.running !== instance || instance.overdue !== undefined || this.#closing) {
      return;
    }
    const why = `${String(stuck)} execution${stuck === 1 ? '' : 's'} kept running past the deadline or cancel`;
    instance.overdue = why;
    plugin.timeouts += 1;
    plugin.lastError = { message: why, code: 'PSRV_PLUGIN_TIMEOUT', at: new Date() };
    plugin.log.note(`${why}; replacing the process`);
    void plugin.serialise(async () => {
      if (plugin.running !== instance || this.#shuttingDown()) {
        return;
      }
      let next: RunningInstance;
      try {
        next = await this.#launch(plugin, instance.folder, instance.manifest);
      } catch (error) {
        // The old process still serves (its stuck work holds no slot); a probe tries again once
        // the longest restart delay has passed, not at every probe.
        plugin.log.note(`could not start its replacement: ${asServerError(error).message}`);
        setTimeout(() => {
          instance.overdue = undefined;
        }, this.#deps.config.supervision.restartMaxMs).unref();
        return;
      }
      if (plugin.running !== instance || this.#shuttingDown()) {
        await stopInstance(this.#deps.engine, next, 0);
        return;
      }
      plugin.running = next;
      await this.#retire(plugin, instance);
    });
  }

  /** Stops every plugin process (gracefully, in parallel); the installed files stay for the next boot. */
  async shutdown(): Promise<void> {
    this.#closing = true;
    await Promise.all(
      this.list().map(async (plugin) => {
        clearTimeout(plugin.restartTimer);
        await this.#stopRunning(plugin);
        plugin.log.close();
      }),
    );
  }

  async #install(plugin: ManagedPlugin, requested: InstallRequest): Promise<void> {
    if (this.#closing) {
      return;
    }
    const { config } = this.#deps;
    const previous = plugin.running;
    // The installed version's folder, even when no process of it runs (crashed, or in error).
    const previousFolder = (await readCurrentVersion(this.#dirs.plugins, plugin.id))?.folder;
    this.#setStatus(plugin, 'installing');
    plugin.log.note(`installing from ${JSON.stringify(redactSource(requested.source))}`);
    const staging = await mkdtemp(join(this.#dirs.staging, `${plugin.id}-`));
    let folder: string | undefined;
    try {
      const fetched = await fetchSource(requested.source, staging, {
        config,
        uploadsDir: this.#dirs.uploads,
        tempDir: this.#dirs.staging,
      });
      const manifest = await validatePackage(staging, {
        id: plugin.id,
        version: requested.version ?? fetched.version,
      });
      // Before the dependencies are installed: a plugin that may not run is not worth installing.
      requireGrants({ pluginId: plugin.id, requested: manifest, grant: plugin.grant }, config);
      ({ folder } = await this.#deps.engine.installEnvironment({
        pluginId: plugin.id,
        version: manifest.version,
        staging,
        log: plugin.log,
      }));
      // The new version must be up and healthy before the old one stops.
      const next = await this.#launch(plugin, folder, manifest);
      if (this.#shuttingDown()) {
        await this.#deps.engine.stop(next.process, 0);
        return;
      }
      try {
        // Recorded before the swap: if this write fails, the new process is stopped and the old
        // one keeps serving, with the record still naming it.
        await writeCurrentVersion(this.#dirs.plugins, plugin.id, {
          version: manifest.version,
          folder,
          source: redactSource(requested.source),
          installedAt: new Date().toISOString(),
        });
      } catch (error) {
        next.probe.stop();
        await this.#deps.engine.stop(next.process, 0);
        await next.pool.destroy().catch(() => undefined);
        throw error;
      }
      plugin.running = next;
      plugin.version = manifest.version;
      plugin.source = redactSource(requested.source);
      plugin.policy.reset();
      await this.#settle(plugin);
      if (previous !== undefined) {
        await this.#retire(plugin, previous);
      } else if (previousFolder !== undefined && previousFolder !== folder) {
        await this.#deps.engine.remove(previousFolder);
      }
    } catch (error) {
      const failure = asServerError(error);
      await rm(staging, { recursive: true, force: true });
      if (folder !== undefined) {
        await this.#deps.engine.remove(folder);
      }
      plugin.lastError = {
        message: failure.message,
        code: failure.code,
        at: new Date(),
        logTail: await plugin.log.tail(20),
      };
      plugin.log.note(`install failed: ${failure.message}`);
      if (failure.code === 'PSRV_NOT_GRANTED') {
        plugin.onGrant = () => {
          this.install(plugin.id, { ...requested, grant: undefined });
        };
      }
      const waits = failure.code === 'PSRV_NOT_GRANTED' ? '; it installs once granted' : '';
      if (previous !== undefined && plugin.running === previous) {
        this.#setStatus(
          plugin,
          'running',
          `the install failed and version ${String(plugin.version)} keeps serving: ${failure.message}${waits}`,
        );
      } else {
        this.#setStatus(plugin, 'error', `${failure.message}${waits}`);
      }
    }
  }

  /** Starts a process for `folder`, checks it serves the manifest it shipped, opens its pool and probe. */
  async #launch(
    plugin: ManagedPlugin,
    folder: string,
    manifest?: Manifest,
  ): Promise<RunningInstance> {
    const { config, engine } = this.#deps;
    const expected =
      manifest ??
      (await validatePackage(join(folder, 'package'), { id: plugin.id, version: plugin.version }));
    const proc = await engine.start({
      pluginId: plugin.id,
      folder,
      log: plugin.log,
      manifest: expected,
      grant: plugin.grant,
      env: {
        ...this.#deps.pluginEnv?.(),
        PLUGBOARD_MAX_CONCURRENCY: String(config.limits.connectionsPerPlugin),
        PLUGBOARD_DEFAULT_TIMEOUT_MS: String(config.limits.requestTimeoutMs),
        PLUGBOARD_MAX_BODY_BYTES: String(config.limits.maxBodyBytes),
      },
    });
    try {
      const served = await fetchManifest(proc, config.supervision.healthTimeoutMs * 5);
      if (served.contentHash !== expected.contentHash) {
        throw new ServerError(
          'PSRV_PACKAGE_INVALID',
          `the running plugin serves a manifest (${served.contentHash}) other than the one it shipped (${expected.contentHash}); re-pack it so plugboard.manifest.json is current`,
        );
      }
    } catch (error) {
      await engine.stop(proc, config.supervision.stopGraceMs);
      throw error;
    }
    const pool = new Pool(proc.url, {
      ...(proc.socketPath === undefined ? {} : { socketPath: proc.socketPath }),
      connections: config.limits.connectionsPerPlugin,
      pipelining: 1,
      connectTimeout: 5_000,
      keepAliveTimeout: 60_000,
      headersTimeout: 0,
      bodyTimeout: 0,
    });
    const instance: RunningInstance = {
      process: proc,
      pool,
      folder,
      manifest: expected,
      probe: startHealthProbe(proc, config.supervision, {
        onUnhealthy: (reason) => {
          plugin.log.note(`unhealthy: ${reason}; replacing the process`);
          void engine.stop(proc, 0);
        },
        onStuck: (stuck) => {
          this.#recycleStuck(plugin, instance, stuck);
        },
      }),
    };
    void proc.exited.then((exit) => {
      if (plugin.running === instance) {
        this.#onCrash(plugin, instance, exit.description);
      }
    });
    return instance;
  }

  #onCrash(plugin: ManagedPlugin, instance: RunningInstance, how: string): void {
    instance.probe.stop();
    // Closed, not destroyed: calls still queued in the pool meet a refused connection, which
    // proves they reached no process, and are handed to the next one.
    void instance.pool.close().catch(() => undefined);
    plugin.running = undefined;
    if (this.#closing) {
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
    const { now = () => performance.now() } = this.#deps;
    const decision = plugin.policy.onCrash(now(), crash.ranForMs);
    plugin.lastError = { message: why, code: 'PSRV_PLUGIN_CRASHED', at: new Date() };
    if (!decision.restart) {
      // The reason and the log tail travel with the error status, so read the tail first.
      this.#setStatus(plugin, 'restarting', why);
      void plugin.log.tail(20).then((logTail) => {
        // Something else (a restart, an install, an uninstall) may have acted meanwhile.
        if (
          plugin.status !== 'restarting' ||
          plugin.running !== undefined ||
          this.#plugins.get(plugin.id) !== plugin
        ) {
          return;
        }
        plugin.lastError = { message: why, code: 'PSRV_PLUGIN_CRASHED', at: new Date(), logTail };
        this.#setStatus(
          plugin,
          'error',
          `${why}; it ${decision.reason}, so it is not restarted until it is reinstalled or restarted`,
        );
      });
      return;
    }
    this.#setStatus(plugin, 'restarting', `${why}; restarting in ${String(decision.delayMs)} ms`);
    void plugin.log.tail(20).then((logTail) => {
      if (plugin.lastError?.message === why) {
        plugin.lastError = { ...plugin.lastError, logTail };
      }
    });
    plugin.restartTimer = setTimeout(() => {
      void plugin.serialise(async () => {
        if (plugin.status !== 'restarting' || this.#closing) {
          return;
        }
        plugin.restarts += 1;
        await this.#startOrCrash(plugin, folder);
      });
    }, decision.delayMs);
  }

  async #startOrCrash(plugin: ManagedPlugin, folder: string): Promise<void> {
    if (this.#closing) {
      return;
    }
    try {
      const instance = await this.#launch(plugin, folder);
      if (this.#shuttingDown()) {
        // Shutdown began while it started: it must not outlive the server.
        instance.probe.stop();
        await this.#deps.engine.stop(instance.process, 0);
        return;
      }
      plugin.running = instance;
      await this.#settle(plugin);
    } catch (error) {
      const failure = asServerError(error);
      if (failure.code === 'PSRV_NOT_GRANTED') {
        // No restart can fix a missing grant: it waits for one instead of counting as a crash.
        plugin.lastError = { message: failure.message, code: failure.code, at: new Date() };
        plugin.onGrant = () => {
          void plugin.serialise(async () => {
            this.#setStatus(plugin, 'restarting', 'granted');
            await this.#startOrCrash(plugin, folder);
          });
        };
        this.#setStatus(plugin, 'error', `${failure.message}; it starts once granted`);
        return;
      }
      this.#scheduleRestart(plugin, { folder, why: failure.message, ranForMs: 0 });
    }
  }

  /**
   * A running process is `running` only if the plugin accepts its configuration; otherwise it is
   * `missing_config` with the plugin's own reasons, and is not restarted (no loop can fix config).
   */
  async #settle(plugin: ManagedPlugin): Promise<void> {
    const instance = plugin.running;
    if (instance === undefined) {
      return;
    }
    let verdict: ValidateConfigResponse;
    try {
      verdict = await validateConfig(
        instance.process,
        plugin.config ?? {},
        this.#deps.config.limits.requestTimeoutMs,
      );
    } catch (error) {
      plugin.log.note(`could not check the configuration: ${(error as Error).message}`);
      this.#setStatus(plugin, 'running');
      return;
    }
    if (verdict.valid) {
      this.#setStatus(plugin, 'running');
      return;
    }
    const problems = verdict.issues
      .map((i) => `${i.path.join('.') || '(config)'}: ${i.message}`)
      .join('; ');
    this.#setStatus(plugin, 'missing_config', `the plugin needs configuration: ${problems}`);
  }

  /** Stops an instance that has been replaced: no new requests reach it, in-flight ones finish. */
  async #retire(plugin: ManagedPlugin, old: RunningInstance): Promise<void> {
    plugin.retiring.add(old);
    await stopInstance(this.#deps.engine, old, this.#deps.config.supervision.stopGraceMs);
    plugin.retiring.delete(old);
    // The installed version's folder stays, whether or not a process of it runs right now (its
    // replacement may have crashed meanwhile and be about to restart from it).
    const current = await readCurrentVersion(this.#dirs.plugins, plugin.id);
    if (old.folder !== plugin.running?.folder && old.folder !== current?.folder) {
      await this.#deps.engine.remove(old.folder);
    }
  }

  async #stopRunning(plugin: ManagedPlugin): Promise<void> {
    const instance = plugin.running;
    if (instance === undefined) {
      return;
    }
    plugin.running = undefined;
    await stopInstance(this.#deps.engine, instance, this.#deps.config.supervision.stopGraceMs);
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

  /** Read through a call: after an await, shutdown may have begun (flow analysis cannot know). */
  #shuttingDown(): boolean {
    return this.#closing;
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

function asServerError(error: unknown): ServerError {
  if (error instanceof ServerError) {
    return error;
  }
  if (isDiskFull(error)) {
    return new ServerError(
      'PSRV_DISK_FULL',
      "the disk holding the Plugin Server's data folder is full; free space there and retry",
    );
  }
  return new ServerError(
    'PSRV_INTERNAL',
    `this is a bug in the Plugin Server: ${(error as Error).message}`,
  );
}
