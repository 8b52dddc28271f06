/**
 * @module The process engine: runs each plugin as `plugboard plugin serve` in its own folder, inside
 * its sandbox (see ../sandbox), from an empty environment plus an allowlist, with Node's permission
 * model as a further layer; reads its handshake; drains its output into its log; stops it
 * gracefully or by force.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { realpathSync } from 'node:fs';
import { constants } from 'node:os';
import { randomBytes } from 'node:crypto';
import { mkdir, open, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { PLUGIN_ENV } from '@plugboard/protocol';
import { ServerError } from '../errors.ts';
import {
  installDependencies,
  type InstallSettings,
  type InstallerName,
} from '../install/installer.ts';
import type { Engine, ExitInfo, PluginProcess } from './engine.ts';
import { readHandshake } from './handshake-reader.ts';
import { acceptedRegistries } from '../install/registry-spec.ts';
import { endpointOf, pluginPidUnder, readInitPid } from './plugin-endpoint.ts';
import { describeSandbox } from '@plugboard/server-api';
import type { Sandbox } from '../sandbox/sandbox.ts';

export interface ProcessEngineOptions {
  /** The Node binary and the `plugboard` bin that serves plugins. */
  readonly node: string;
  readonly serveBin: string;
  /** Folders the plugin may read besides its own (the serving runtime). */
  readonly runtimeReadPaths: readonly string[];
  readonly handshakeTimeoutMs: number;
  /** The host environment: PATH, LANG, TZ and the variables a plugin is granted pass through. */
  readonly hostEnv: Readonly<Record<string, string | undefined>>;
  readonly sandbox: Sandbox;
  /** Where plugin versions live: `<pluginsDir>/<id>/<version>-<suffix>/{package,scratch}`. */
  readonly pluginsDir: string;
  readonly install: InstallSettings & { readonly installers: readonly InstallerName[] };
}

export function createProcessEngine(options: ProcessEngineOptions): Engine {
  return {
    async installEnvironment(request) {
      const folder = join(
        options.pluginsDir,
        request.pluginId,
        `${request.version}-${randomBytes(4).toString('hex')}`,
      );
      await mkdir(folder, { recursive: true });
      try {
        await rename(request.staging, join(folder, 'package'));
        await mkdir(join(folder, 'scratch'));
        const { installers, ...settings } = options.install;
        const confinement = await options.sandbox.confineInstall(
          join(folder, 'package'),
          await acceptedRegistries(options.install),
        );
        const installed = await installDependencies(
          {
            dir: join(folder, 'package'),
            confine: confinement?.confine,
            log: (line) => {
              request.log.note(`install: ${line}`);
            },
            ...(request.signal === undefined ? {} : { signal: request.signal }),
          },
          settings,
          { order: installers },
        ).finally(() => confinement?.done());
        request.log.note(
          installed.skipped
            ? 'dependencies: none to install'
            : `dependencies: installed with ${installed.installer} in ${String(Math.round(installed.durationMs))} ms`,
        );
        return { folder };
      } catch (error) {
        await rm(folder, { recursive: true, force: true });
        throw error;
      }
    },

    async remove(folder) {
      await options.sandbox.forget(folder);
      await rm(folder, { recursive: true, force: true });
    },

    async reapLeftover(folder) {
      const record = await readFile(join(folder, PROCESS_FILE), 'utf8').catch(() => undefined);
      if (record === undefined) {
        return false;
      }
      const { pid } = JSON.parse(record) as { pid: number };
      // The pid may have been reused: only a process serving this very folder is ours.
      const cmdline = await readFile(`/proc/${String(pid)}/cmdline`, 'utf8').catch(() => '');
      await rm(join(folder, PROCESS_FILE), { force: true });
      if (!cmdline.includes(join(folder, 'package'))) {
        return false;
      }
      try {
        process.kill(-pid, 'SIGKILL');
      } catch {
        return false;
      }
      return true;
    },

    describe: (running) => ({
      engine: 'process',
      pid: running.pid,
      ...(running.port === undefined ? {} : { port: running.port }),
      ...(running.socketPath === undefined ? {} : { socketPath: running.socketPath }),
      startedAt: running.startedAt.toISOString(),
    }),

    async start(request) {
      const packageDir = join(request.folder, 'package');
      const scratchDir = join(request.folder, 'scratch');
      const cacheDir = join(request.folder, 'cache');
      await mkdir(cacheDir, { recursive: true });
      const began = performance.now();
      const launch = await options.sandbox.prepare({
        pluginId: request.pluginId,
        folder: request.folder,
        requested: request.manifest,
        grant: request.grant,
        readPaths: [...options.runtimeReadPaths, realpathSync(options.node)],
        log: (line) => {
          request.log.note(line);
        },
      });
      const token = randomBytes(24).toString('base64url');
      const heap =
        launch.memoryLimitMiB === undefined
          ? []
          : [`--max-old-space-size=${String(heapMiB(launch.memoryLimitMiB))}`];
      const nodeArgs = [
        // Another process of the same user could otherwise open this one's inspector.
        '--disable-sigusr1',
        ...heap,
        '--permission',
        ...[...options.runtimeReadPaths, packageDir, scratchDir, cacheDir].map(
          (p) => `--allow-fs-read=${p}`,
        ),
        `--allow-fs-write=${scratchDir}`,
        `--allow-fs-write=${cacheDir}`,
        // Its socket is a file Node's permission model counts as a write.
        ...(launch.socket === undefined ? [] : [`--allow-fs-write=${dirname(launch.socket)}`]),
        ...(launch.grants.childProcesses ? ['--allow-child-process'] : []),
        options.serveBin,
        'plugin',
        'serve',
        packageDir,
        ...(launch.socket === undefined ? ['--port', '0'] : []),
      ];
      const env: Record<string, string> = {
        ...pick(options.hostEnv, ['PATH', 'LANG', 'TZ', ...launch.grants.env]),
        HOME: scratchDir,
        TMPDIR: scratchDir,
        // Its own cache: a cache shared between plugins would let one plant code in the others.
        NODE_COMPILE_CACHE: cacheDir,
        ...request.env,
        ...launch.env,
        [PLUGIN_ENV.token.name]: token,
      };
      const confined = await launch.wrap([options.node, ...nodeArgs]);
      const [command = options.node, ...args] = confined ?? [options.node, ...nodeArgs];
      request.log.note(`sandbox: ${describeSandbox(launch.layers)}`);
      request.log.note(
        `starting: node ${nodeArgs.filter((a) => !a.startsWith('--allow')).join(' ')}`,
      );
      // Opened for the spawn only: bubblewrap reads the filter from this descriptor.
      const filter = launch.seccomp === undefined ? undefined : await open(launch.seccomp, 'r');
      const child = spawn(command, args, {
        cwd: packageDir,
        env,
        detached: true,
        stdio: [
          'ignore',
          'pipe',
          'pipe',
          launch.namespaced ? 'pipe' : 'ignore',
          filter?.fd ?? 'ignore',
        ],
      });
      await filter?.close();
      // Recorded before the handshake: a server killed while the plugin starts reaps it at boot.
      // The launcher leads its own process group, and takes the sandbox down with it.
      await writeFile(
        join(request.folder, PROCESS_FILE),
        JSON.stringify({ pid: child.pid ?? 0, startedAt: new Date().toISOString() }),
      ).catch(() => undefined);
      const { stdout, stderr } = child;
      if (stdout === null || stderr === null) {
        throw new ServerError('PSRV_INTERNAL', 'the plugin process was spawned without pipes');
      }
      const initPid = launch.namespaced ? readInitPid(child.stdio[3]) : undefined;
      let exitedFlag = false;
      const exited = new Promise<ExitInfo>((resolve) => {
        child.once('exit', (code, signal) => {
          void (async () => {
            const aborted =
              signal === 'SIGABRT' || signal === 'SIGTRAP' || code === 133 || code === 134;
            const outOfMemory =
              launch.memoryLimitMiB !== undefined &&
              ((await launch.outOfMemory()) ||
                (aborted && (await request.log.tail(5)).some((line) => HEAP_EXHAUSTED.test(line))));
            // In the background: removing a cgroup can wait for the kernel to finish reaping.
            void launch.release();
            exitedFlag = true;
            const info = outOfMemory
              ? {
                  code,
                  signal,
                  description: `ran out of memory (limit ${String(launch.memoryLimitMiB)} MiB)`,
                  outOfMemory: true,
                }
              : describeExit(code, signal, launch.namespaced);
            request.log.note(`process ${String(child.pid)} ${info.description}`);
            resolve(info);
          })();
        });
        child.once('error', (error) => {
          exitedFlag = true;
          void launch.release();
          resolve({
            code: null,
            signal: null,
            description: `could not be started (${error.message})`,
          });
        });
      });
      request.log.drain(stderr);
      const outcome = await readHandshake(
        stdout,
        exited.then((e) => e.description),
        options.handshakeTimeoutMs,
      );
      let endpoint = outcome.ok ? endpointOf(outcome.handshake, launch.socket) : outcome;
      if (endpoint.ok && launch.socket !== undefined) {
        try {
          const socketPath = await launch.claimSocket();
          endpoint = { ...endpoint, socketPath, where: socketPath };
        } catch (error) {
          endpoint = { ok: false, code: 'handshake_invalid', reason: (error as Error).message };
        }
      }
      if (!endpoint.ok) {
        killGroup(child, 'SIGKILL');
        await exited;
        request.log.note(`start failed: ${endpoint.reason}`);
        throw new ServerError(
          'PSRV_START_FAILED',
          `plugin ${request.pluginId} did not start: ${endpoint.reason}`,
          {
            details: { reason: endpoint.code, logTail: await request.log.tail(20) },
          },
        );
      }
      request.log.drain(stdout, outcome.ok ? outcome.rest : undefined);
      await launch.started();
      const init = await initPid;
      const pid = init === undefined ? (child.pid ?? 0) : await pluginPidUnder(init);
      await writeFile(
        join(request.folder, PROCESS_FILE),
        JSON.stringify({ pid, startedAt: new Date().toISOString() }),
      );
      const tookMs = performance.now() - began;
      request.log.note(
        `listening on ${endpoint.where} (pid ${String(pid)}, ${tookMs.toFixed(1)} ms after the launch began)`,
      );
      return {
        pid,
        port: endpoint.port,
        url: endpoint.url,
        socketPath: endpoint.socketPath,
        token,
        sandbox: launch.layers,
        startedAt: new Date(),
        exited,
        hasExited: () => exitedFlag,
        [CHILD]: child,
      } as PluginProcess;
    },

    async stop(running, graceMs) {
      const child = (running as PluginProcess & { [CHILD]: ChildProcess })[CHILD];
      if (!running.hasExited()) {
        // The plugin itself, not its sandbox's launcher, is asked to drain.
        signalGroup(running.pid, 'SIGTERM');
        const timer = setTimeout(() => {
          killGroup(child, 'SIGKILL');
        }, graceMs);
        await running.exited;
        clearTimeout(timer);
      }
      // Whatever the leader left behind in its group (grandchildren) goes with it.
      killGroup(child, 'SIGKILL');
      signalGroup(running.pid, 'SIGKILL');
      return running.exited;
    },
  };
}

const CHILD = Symbol('child');
/** What V8 prints when the heap limit sized from the memory limit is reached. */
const HEAP_EXHAUSTED = /JavaScript heap out of memory|Reached heap limit/;

/** Where a version's running process is recorded, for reaping after a server crash. */
const PROCESS_FILE = 'process.json';

function killGroup(child: ChildProcess, signal: NodeJS.Signals): void {
  if (child.pid !== undefined) {
    signalPid(-child.pid, signal);
  }
}

function signalPid(pid: number, signal: NodeJS.Signals): boolean {
  try {
    process.kill(pid, signal);
    return true;
  } catch {
    return false; // Already gone.
  }
}

/** The plugin leads its own process group (a new session in the sandbox, detached outside). */
function signalGroup(pid: number, signal: NodeJS.Signals): void {
  if (!signalPid(-pid, signal)) {
    signalPid(pid, signal);
  }
}

/** V8's heap gets three quarters of the memory limit: an allocation past it is a clean heap error. */
function heapMiB(limitMiB: number): number {
  return Math.max(32, Math.floor(limitMiB * 0.75));
}

function pick(
  from: Readonly<Record<string, string | undefined>>,
  names: readonly string[],
): Record<string, string> {
  const picked: Record<string, string> = {};
  for (const name of names) {
    const value = from[name];
    if (value !== undefined) {
      picked[name] = value;
    }
  }
  return picked;
}

/** A sandbox's launcher exits with 128 + N when the plugin inside was killed by signal N. */
function describeExit(
  code: number | null,
  signal: NodeJS.Signals | null,
  sandboxed = false,
): ExitInfo {
  const inner =
    sandboxed && code !== null && code > 128
      ? Object.entries(constants.signals).find(([, n]) => n === code - 128)?.[0]
      : undefined;
  const killedBy = signal ?? (inner as NodeJS.Signals | undefined) ?? null;
  const description =
    killedBy !== null ? `was killed by ${killedBy}` : `exited with code ${String(code)}`;
  return { code, signal: killedBy, description };
}
