/**
 * @module The process engine: runs each plugin as `plugboard plugin serve` in its own folder, from
 * an empty environment plus an allowlist, confined by Node's permission model, in its own process
 * group; reads its handshake; drains its output into its log; stops it gracefully or by force.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { PLUGIN_ENV } from '@plugboard/protocol';
import { ServerError } from '../errors.ts';
import { readHandshake } from './handshake-reader.ts';
import type { PluginLog } from './plugin-log.ts';

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
}

export interface LaunchRequest {
  readonly pluginId: string;
  readonly packageDir: string;
  readonly scratchDir: string;
  readonly log: PluginLog;
  readonly allowChildProcess: boolean;
  /** Plugin-process settings (file bridge URL, limits) on top of the allowlist. */
  readonly env: Readonly<Record<string, string>>;
}

export interface ExitInfo {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
  readonly description: string;
}

export interface PluginProcess {
  readonly pid: number;
  readonly port: number;
  readonly url: string;
  readonly token: string;
  readonly startedAt: Date;
  readonly exited: Promise<ExitInfo>;
  readonly hasExited: () => boolean;
}

export interface ProcessEngine {
  start(request: LaunchRequest): Promise<PluginProcess>;
  /** SIGTERM to the process group, SIGKILL to the group after `graceMs`; resolves once it is gone. */
  stop(process: PluginProcess, graceMs: number): Promise<ExitInfo>;
}

export function createProcessEngine(options: ProcessEngineOptions): ProcessEngine {
  return {
    async start(request) {
      const token = randomBytes(24).toString('base64url');
      const args = [
        '--permission',
        ...[
          ...options.runtimeReadPaths,
          request.packageDir,
          request.scratchDir,
          options.compileCacheDir,
        ].map((p) => `--allow-fs-read=${p}`),
        `--allow-fs-write=${request.scratchDir}`,
        `--allow-fs-write=${options.compileCacheDir}`,
        ...(request.allowChildProcess ? ['--allow-child-process'] : []),
        options.serveBin,
        'plugin',
        'serve',
        request.packageDir,
        '--port',
        '0',
      ];
      const env: Record<string, string> = {
        ...options.passEnv,
        HOME: request.scratchDir,
        TMPDIR: request.scratchDir,
        NODE_COMPILE_CACHE: options.compileCacheDir,
        ...request.env,
        [PLUGIN_ENV.token.name]: token,
      };
      request.log.note(`starting: node ${args.filter((a) => !a.startsWith('--allow')).join(' ')}`);
      const child = spawn(options.node, args, {
        cwd: request.packageDir,
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
