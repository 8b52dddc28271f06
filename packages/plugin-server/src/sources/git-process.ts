/**
 * @module Runs one git command as a child process in its own process group, so that stopping
 * it (timeout, abort, size) also kills git-remote-https, index-pack and anything else it
 * started. Captures stdout and the tail of stderr, redacts secrets from what it reports, and
 * can watch the repository folder grow during a download.
 */
import { spawn } from 'node:child_process';
import { lstat, readdir } from 'node:fs/promises';
import path from 'node:path';
import { ServerError } from '../errors.ts';

const REDACTED = '[REDACTED]';
const STDERR_REPORT_CHARS = 2048;
const STDERR_KEEP_CHARS = 16_384;
// ls-tree of a huge tree is the largest output we read; past this the repository is too big anyway.
const STDOUT_MAX_BYTES = 32 * 1024 * 1024;
const DOWNLOAD_CHECK_INTERVAL_MS = 200;
// After SIGKILL the pipes close at once unless something escaped the process group.
const KILL_GRACE_MS = 1000;

/** Everything one fetch's git commands share. */
export interface GitRun {
  /** The git executable: a name looked up on PATH, or a path. */
  readonly gitBinary: string;
  readonly scratch: string;
  readonly flags: readonly string[];
  readonly env: Readonly<Record<string, string>>;
  /** `env` plus the token header, for the commands that talk to the host. */
  readonly networkEnv: Readonly<Record<string, string>>;
  readonly gitDir: string;
  readonly maxBytes: number;
  readonly signal: AbortSignal;
  readonly stopped: () => ServerError;
  readonly secrets: readonly string[];
  readonly report: Readonly<Record<string, unknown>>;
}

export interface RunOptions {
  /** Sends the token header; only for commands that talk to the host. */
  readonly network?: boolean;
  /** Kills git as soon as the repository folder outgrows maxBytes. */
  readonly watchDownload?: boolean;
  readonly workTree?: string;
  /** False returns a failed result instead of throwing PSRV_GIT_FAILED. */
  readonly check?: boolean;
}

export interface GitResult {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
  readonly stdout: string;
  /** The tail of stderr, secrets not yet redacted. */
  readonly stderr: string;
}

/** Replaces every occurrence of each secret in `text` with a marker. */
export function redactSecrets(text: string, secrets: readonly string[]): string {
  // Longest first, so that a secret containing another is replaced whole.
  const ordered = secrets.filter((secret) => secret.length > 0).sort((a, b) => b.length - a.length);
  let result = text;
  for (const secret of ordered) {
    result = result.split(secret).join(REDACTED);
  }
  return result;
}

/** Runs `git <flags> [--work-tree] <args>`; rejects with a ServerError, never a raw error. */
export function runGit(
  run: GitRun,
  args: readonly string[],
  options: RunOptions = {},
): Promise<GitResult> {
  if (run.signal.aborted) {
    return Promise.reject(run.stopped());
  }
  const argv = [
    ...run.flags,
    ...(options.workTree === undefined ? [] : [`--work-tree=${options.workTree}`]),
    ...args,
  ];
  return new Promise<GitResult>((resolve, reject) => {
    const child = spawn(run.gitBinary, argv, {
      cwd: run.scratch,
      env: options.network === true ? run.networkEnv : run.env,
      detached: true,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const stdout: Buffer[] = [];
    let stdoutBytes = 0;
    let stderr = '';
    let stderrTruncated = false;
    let failure: ServerError | undefined;
    let settled = false;
    let graceTimer: NodeJS.Timeout | undefined;
    let watchTimer: NodeJS.Timeout | undefined;

    const finish = (code: number | null, signal: NodeJS.Signals | null): void => {
      if (settled) {
        return;
      }
      settled = true;
      clearTimeout(graceTimer);
      clearInterval(watchTimer);
      run.signal.removeEventListener('abort', onAbort);
      if (failure !== undefined) {
        reject(failure);
        return;
      }
      const result: GitResult = {
        code,
        signal,
        stdout: Buffer.concat(stdout).toString('utf8'),
        // A cut-off first line could hold the end of a secret that redaction would then miss.
        stderr: stderrTruncated ? stderr.slice(stderr.indexOf('\n') + 1) : stderr,
      };
      if (options.check !== false && code !== 0) {
        reject(gitFailed(run, args[0] ?? 'git', result));
        return;
      }
      resolve(result);
    };
    const stop = (error: ServerError): void => {
      if (failure !== undefined || settled) {
        return;
      }
      failure = error;
      if (child.pid !== undefined) {
        try {
          process.kill(-child.pid, 'SIGKILL');
        } catch {
          // The group is already gone.
        }
      }
      graceTimer = setTimeout(() => {
        child.stdout.destroy();
        child.stderr.destroy();
        finish(null, 'SIGKILL');
      }, KILL_GRACE_MS);
    };
    const onAbort = (): void => {
      stop(run.stopped());
    };
    run.signal.addEventListener('abort', onAbort, { once: true });

    child.stdout.on('data', (chunk: Buffer) => {
      stdoutBytes += chunk.length;
      if (stdoutBytes > STDOUT_MAX_BYTES) {
        stop(tooLarge(run, stdoutBytes, 'content'));
        return;
      }
      stdout.push(chunk);
    });
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => {
      stderr += chunk;
      if (stderr.length > 2 * STDERR_KEEP_CHARS) {
        stderr = stderr.slice(-STDERR_KEEP_CHARS);
        stderrTruncated = true;
      }
    });
    child.on('error', (error: NodeJS.ErrnoException) => {
      if (failure === undefined) {
        failure = new ServerError('PSRV_GIT_FAILED', `could not run git: ${error.message}`, {
          details: { ...run.report, reason: error.code ?? 'unknown' },
        });
      }
      finish(null, null);
    });
    child.on('close', finish);

    if (options.watchDownload === true) {
      watchTimer = watchDownload(run, stop);
    }
  });
}

/** Measures the repository folder now and then, and stops git once it outgrows maxBytes. */
function watchDownload(run: GitRun, stop: (error: ServerError) => void): NodeJS.Timeout {
  let measuring = false;
  return setInterval(() => {
    if (measuring) {
      return;
    }
    measuring = true;
    measureTree(run.gitDir, true)
      .then(({ bytes }) => {
        if (bytes > run.maxBytes) {
          stop(tooLarge(run, bytes, 'download'));
        }
      })
      // The check after the command ends measures again and reports real errors.
      .catch(() => undefined)
      .finally(() => {
        measuring = false;
      });
  }, DOWNLOAD_CHECK_INTERVAL_MS);
}

export function throwIfFailed(run: GitRun, command: string, result: GitResult): void {
  if (result.code !== 0) {
    throw gitFailed(run, command, result);
  }
}

function gitFailed(run: GitRun, command: string, result: GitResult): ServerError {
  const stderr = redactSecrets(result.stderr, run.secrets).slice(-STDERR_REPORT_CHARS);
  const lastLine =
    stderr
      .split('\n')
      .map((line) => line.trim())
      .filter((line) => line.length > 0)
      .at(-1) ?? `exit code ${String(result.code)}`;
  // With prompts off, a refused token surfaces as git failing to ask for a user name.
  const denied = /could not read (Username|Password)|Authentication failed|returned error: 40[13]/i;
  const reason = denied.test(stderr)
    ? 'the host refused access (the repository is private, or the token is wrong or lacks access)'
    : lastLine;
  return new ServerError('PSRV_GIT_FAILED', `git ${command} failed: ${reason}`, {
    details: {
      ...run.report,
      exitCode: result.code,
      ...(result.signal === null ? {} : { signal: result.signal }),
      stderr,
    },
  });
}

export function tooLarge(run: GitRun, bytes: number, what: 'content' | 'download'): ServerError {
  return new ServerError(
    'PSRV_SOURCE_TOO_LARGE',
    `the git repository's ${what} is larger than the ${String(run.maxBytes)}-byte limit`,
    { details: { ...run.report, bytes, maxBytes: run.maxBytes } },
  );
}

export interface TreeMeasure {
  bytes: number;
  readonly symlinks: string[];
  readonly special: string[];
}

/**
 * Adds up the sizes of everything under `root` without following links. `racing` tolerates
 * entries that vanish while we look (git renames its temporary pack files as it goes).
 */
export async function measureTree(root: string, racing: boolean): Promise<TreeMeasure> {
  const measure: TreeMeasure = { bytes: 0, symlinks: [], special: [] };
  const pending = [''];
  for (let relative = pending.pop(); relative !== undefined; relative = pending.pop()) {
    let entries;
    try {
      entries = await readdir(path.join(root, relative), { withFileTypes: true });
    } catch (error) {
      if (racing && (error as NodeJS.ErrnoException).code === 'ENOENT') {
        continue;
      }
      throw error;
    }
    for (const entry of entries) {
      const name = relative === '' ? entry.name : `${relative}/${entry.name}`;
      if (entry.isDirectory()) {
        pending.push(name);
      } else if (entry.isSymbolicLink()) {
        measure.symlinks.push(name);
      } else if (entry.isFile()) {
        try {
          measure.bytes += (await lstat(path.join(root, name))).size;
        } catch (error) {
          if (!racing || (error as NodeJS.ErrnoException).code !== 'ENOENT') {
            throw error;
          }
        }
      } else {
        measure.special.push(name);
      }
    }
  }
  return measure;
}
