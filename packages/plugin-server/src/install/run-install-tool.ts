/**
 * @module Runs one install tool as a child process: a from-scratch environment, output streamed
 * line by line, and the time limit and cancel signal enforced on its whole process group.
 */
import { execFile, spawn } from 'node:child_process';
import { mkdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ServerError } from '../errors.ts';

const LOG_TAIL_LINES = 40;
const PROBE_TIMEOUT_MS = 10_000;

// Only what a package manager needs to reach a registry. Everything else in the server's
// environment (its secrets, and npm_config_* when it was started through npm) stays out.
const PASSED_THROUGH = [
  'HTTPS_PROXY',
  'https_proxy',
  'HTTP_PROXY',
  'http_proxy',
  'NO_PROXY',
  'no_proxy',
  'NODE_EXTRA_CA_CERTS',
  'SSL_CERT_FILE',
  'SSL_CERT_DIR',
] as const;

function basePath(): string {
  return process.env['PATH'] ?? '/usr/local/bin:/usr/bin:/bin';
}

/** The `.npmrc` an operator may provide for every install (a private registry, its auth). */
export function operatorNpmrc(cacheDir: string): string {
  return join(cacheDir, 'home', '.npmrc');
}

/**
 * The environment an install tool runs with. HOME and TMPDIR live under the shared cache folder,
 * so tools never write to the server's home (which may be read-only) and an administrator can
 * put a `.npmrc` for a private registry at `<cacheDir>/home/.npmrc`.
 *
 * Every place a tool looks for user-level configuration is pinned there too, so neither the
 * server's environment (none of it reaches the tool beyond the names above) nor the machine's
 * files steer an install: npm's and pnpm's user config is that `.npmrc`, npm's global config is
 * none (the operator's file above is the one place), and the XDG folders where pnpm and bun keep
 * their global config and state are under the same home.
 */
export async function installEnvironment(
  cacheDir: string,
  extra: Readonly<Record<string, string>> = {},
): Promise<Record<string, string>> {
  const home = join(cacheDir, 'home');
  const tmp = join(cacheDir, 'tmp');
  await Promise.all([mkdir(home, { recursive: true }), mkdir(tmp, { recursive: true })]);
  const env: Record<string, string> = {
    PATH: basePath(),
    HOME: home,
    TMPDIR: tmp,
    NO_COLOR: '1',
    DO_NOT_TRACK: '1',
    XDG_CONFIG_HOME: join(home, '.config'),
    XDG_CACHE_HOME: join(home, '.cache'),
    XDG_DATA_HOME: join(home, '.local', 'share'),
    XDG_STATE_HOME: join(home, '.local', 'state'),
    npm_config_userconfig: operatorNpmrc(cacheDir),
    npm_config_globalconfig: '/dev/null',
  };
  for (const name of PASSED_THROUGH) {
    const value = process.env[name];
    if (value !== undefined) {
      env[name] = value;
    }
  }
  return { ...env, ...extra };
}

/** Whether `binary --version` runs and exits 0: present, executable and for this platform. */
export function probeBinary(binary: string): Promise<boolean> {
  return new Promise((resolve) => {
    execFile(
      binary,
      ['--version'],
      { env: { PATH: basePath(), HOME: tmpdir() }, timeout: PROBE_TIMEOUT_MS },
      (error) => {
        resolve(error === null);
      },
    );
  });
}

/** Wraps a tool's command line in the server's installer sandbox. */
export type Confine = (command: readonly string[]) => string[];

export interface ToolRun {
  readonly installer: string;
  /** The sandbox it runs in, when the server confines installs. */
  readonly confine?: Confine | undefined;
  readonly binary: string;
  readonly args: readonly string[];
  readonly dir: string;
  readonly env: Readonly<Record<string, string>>;
  /** The limit for the whole install, counted from `startedAt` (default: now). */
  readonly timeoutMs: number;
  readonly startedAt?: number;
  readonly signal?: AbortSignal | undefined;
  readonly log: (line: string) => void;
  /** When a non-zero exit still means success (default: exit code 0 only). */
  readonly succeeded?: (exitCode: number, output: readonly string[]) => boolean;
}

function killGroup(pid: number | undefined): void {
  if (pid === undefined) {
    return;
  }
  try {
    process.kill(-pid, 'SIGKILL');
  } catch {
    // The group is already gone.
  }
}

/** Runs the tool to completion; rejects with PSRV_INSTALL_FAILED on failure, timeout or cancel. */
export function runInstallTool(run: ToolRun): Promise<void> {
  const { installer, signal, log } = run;
  if (signal?.aborted === true) {
    return Promise.reject(
      new ServerError('PSRV_INSTALL_FAILED', 'dependency install was cancelled', {
        details: { installer },
      }),
    );
  }
  const tail: string[] = [];
  const emit = (line: string): void => {
    tail.push(line);
    if (tail.length > LOG_TAIL_LINES) {
      tail.shift();
    }
    log(`[${installer}] ${line}`);
  };

  // Credentials in a registry URL stay out of the log.
  const shown = run.args.map((arg) => arg.replace(/\/\/[^/@\s]*@/, '//***@'));
  log(`[install] running ${installer} ${shown.join(' ')}`);

  return new Promise((resolve, reject) => {
    // Its own process group, so a timeout also ends whatever the tool started (scripts, workers).
    const [command = run.binary, ...args] = run.confine?.([run.binary, ...run.args]) ?? [
      run.binary,
      ...run.args,
    ];
    const child = spawn(command, args, {
      cwd: run.dir,
      env: run.env,
      detached: true,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stopReason: 'timeout' | 'cancel' | undefined;
    let settled = false;
    const stop = (reason: 'timeout' | 'cancel'): void => {
      stopReason ??= reason;
      killGroup(child.pid);
    };
    const left = run.timeoutMs - (performance.now() - (run.startedAt ?? performance.now()));
    const timer = setTimeout(
      () => {
        stop('timeout');
      },
      Math.max(0, left),
    );
    const onAbort = (): void => {
      stop('cancel');
    };
    signal?.addEventListener('abort', onAbort, { once: true });

    const finish = (error: ServerError | undefined): void => {
      if (settled) {
        return;
      }
      settled = true;
      clearTimeout(timer);
      signal?.removeEventListener('abort', onAbort);
      if (error === undefined) {
        resolve();
      } else {
        reject(error);
      }
    };

    for (const stream of [child.stdout, child.stderr]) {
      let pending = '';
      stream.setEncoding('utf8');
      stream.on('data', (chunk: string) => {
        const lines = (pending + chunk).split(/\r?\n|\r/);
        pending = lines.pop() ?? '';
        for (const line of lines) {
          if (line.trim() !== '') {
            emit(line);
          }
        }
      });
      stream.on('end', () => {
        if (pending.trim() !== '') {
          emit(pending);
        }
        pending = '';
      });
    }

    child.on('error', (cause) => {
      killGroup(child.pid);
      finish(
        new ServerError('PSRV_INSTALL_FAILED', `could not run ${installer}: ${cause.message}`, {
          details: { installer, logTail: tail.slice() },
          cause,
        }),
      );
    });

    child.on('close', (code, exitSignal) => {
      // A tool that exits on its own may leave background children in its group.
      killGroup(child.pid);
      if (stopReason === 'timeout') {
        finish(
          new ServerError(
            'PSRV_INSTALL_FAILED',
            `dependency install timed out after ${String(run.timeoutMs)} ms`,
            { details: { installer, timeoutMs: run.timeoutMs, logTail: tail.slice() } },
          ),
        );
      } else if (stopReason === 'cancel') {
        finish(
          new ServerError('PSRV_INSTALL_FAILED', 'dependency install was cancelled', {
            details: { installer, logTail: tail.slice() },
          }),
        );
      } else if (code !== null && (code === 0 || run.succeeded?.(code, tail) === true)) {
        finish(undefined);
      } else {
        const how = code === null ? `signal ${String(exitSignal)}` : `exit code ${String(code)}`;
        finish(
          new ServerError('PSRV_INSTALL_FAILED', `${installer} install failed with ${how}`, {
            details: { installer, exitCode: code, signal: exitSignal, logTail: tail.slice() },
          }),
        );
      }
    });
  });
}
