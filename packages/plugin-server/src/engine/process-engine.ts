/**
 * @module The process engine: runs each plugin as `plugboard plugin serve` in its own folder, from
 * an empty environment plus an allowlist, confined by Node's permission model, in its own process
 * group; reads its handshake; drains its output into its log; stops it gracefully or by force.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { PLUGIN_ENV } from '@plugboard/protocol';
import { ServerError } from '../errors.ts';
import {
  installDependencies,
  type InstallSettings,
  type InstallerName,
} from '../install/installer.ts';
import type { Engine, ExitInfo, PluginProcess } from './engine.ts';
import { readHandshake } from './handshake-reader.ts';

export interface ProcessEngineOptions {
  /** The Node binary and the `plugboard` bin that serves plugins. */
  readonly node: string;
  readonly serveBin: string;
  /** Folders the plugin may read besides its own (the serving runtime). */
  readonly runtimeReadPaths: readonly string[];
  /** Shared V8 compile cache, so plugins start without re-compiling the runtime each time. */
  readonly compileCacheDir: string;
  readonly handshakeTimeoutMs: number;
  /** Host variables an operator chose to pass through (everything else is withheld). */
  readonly passEnv: Readonly<Record<string, string>>;
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
        const installed = await installDependencies(
          {
            dir: join(folder, 'package'),
            log: (line) => {
              request.log.note(`install: ${line}`);
            },
            ...(request.signal === undefined ? {} : { signal: request.signal }),
          },
          settings,
          { order: installers },
        );
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
      port: running.port,
      startedAt: running.startedAt.toISOString(),
    }),

    async start(request) {
      const packageDir = join(request.folder, 'package');
      const scratchDir = join(request.folder, 'scratch');
      const token = randomBytes(24).toString('base64url');
      const args = [
        '--permission',
        ...[...options.runtimeReadPaths, packageDir, scratchDir, options.compileCacheDir].map(
          (p) => `--allow-fs-read=${p}`,
        ),
        `--allow-fs-write=${scratchDir}`,
        `--allow-fs-write=${options.compileCacheDir}`,
        ...(request.allowChildProcess ? ['--allow-child-process'] : []),
        options.serveBin,
        'plugin',
        'serve',
        packageDir,
        '--port',
        '0',
      ];
      const env: Record<string, string> = {
        ...options.passEnv,
        HOME: scratchDir,
        TMPDIR: scratchDir,
        NODE_COMPILE_CACHE: options.compileCacheDir,
        ...request.env,
        [PLUGIN_ENV.token.name]: token,
      };
      request.log.note(`starting: node ${args.filter((a) => !a.startsWith('--allow')).join(' ')}`);
      const child = spawn(options.node, args, {
        cwd: packageDir,
        env,
        detached: true,
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      let exitedFlag = false;
      const exited = new Promise<ExitInfo>((resolve) => {
        child.once('exit', (code, signal) => {
          exitedFlag = true;
          const info = describeExit(code, signal);
          request.log.note(`process ${String(child.pid)} ${info.description}`);
          resolve(info);
        });
        child.once('error', (error) => {
          exitedFlag = true;
          resolve({
            code: null,
            signal: null,
            description: `could not be started (${error.message})`,
          });
        });
      });
      request.log.drain(child.stderr);
      const outcome = await readHandshake(
        child.stdout,
        exited.then((e) => e.description),
        options.handshakeTimeoutMs,
      );
      if (!outcome.ok) {
        killGroup(child, 'SIGKILL');
        await exited;
        request.log.note(`start failed: ${outcome.reason}`);
        throw new ServerError(
          'PSRV_START_FAILED',
          `plugin ${request.pluginId} did not start: ${outcome.reason}`,
          {
            details: { reason: outcome.code, logTail: await request.log.tail(20) },
          },
        );
      }
      request.log.drain(child.stdout, outcome.rest);
      await writeFile(
        join(request.folder, PROCESS_FILE),
        JSON.stringify({ pid: child.pid, startedAt: new Date().toISOString() }),
      );
      const { port } = outcome.handshake;
      request.log.note(`listening on 127.0.0.1:${String(port)} (pid ${String(child.pid)})`);
      return {
        pid: child.pid ?? 0,
        port,
        url: `http://127.0.0.1:${String(port)}`,
        token,
        startedAt: new Date(),
        exited,
        hasExited: () => exitedFlag,
        [CHILD]: child,
      } as PluginProcess;
    },

    async stop(running, graceMs) {
      const child = (running as PluginProcess & { [CHILD]: ChildProcess })[CHILD];
      if (!running.hasExited()) {
        killGroup(child, 'SIGTERM');
        const timer = setTimeout(() => {
          killGroup(child, 'SIGKILL');
        }, graceMs);
        await running.exited;
        clearTimeout(timer);
      }
      // Whatever the leader left behind in its group (grandchildren) goes with it.
      killGroup(child, 'SIGKILL');
      return running.exited;
    },
  };
}

const CHILD = Symbol('child');
/** Where a version's running process is recorded, for reaping after a server crash. */
const PROCESS_FILE = 'process.json';

function killGroup(child: ChildProcess, signal: NodeJS.Signals): void {
  if (child.pid === undefined) {
    return;
  }
  try {
    process.kill(-child.pid, signal);
  } catch {
    // The group is already gone.
  }
}

export function describeExit(code: number | null, signal: NodeJS.Signals | null): ExitInfo {
  const description =
    signal !== null ? `was killed by ${signal}` : `exited with code ${String(code)}`;
  return { code, signal, description };
}
