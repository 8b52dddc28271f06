/**
 * @module Fetches a git source into a folder: one commit's tree, or one folder of it, without
 * `.git`. git runs as a locked-down child process (https only, clean environment, no prompts,
 * hooks, submodules, redirects or symlinks, the token in an environment-provided header) under a
 * wall-clock limit and a size limit, and its whole process group dies with it.
 */
import { spawn } from 'node:child_process';
import { lstat, mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { rootCertificates } from 'node:tls';
import { ServerError } from '../errors.ts';
import { checkGitHost, checkGitUrl, hostOf } from './git-url.ts';
import type { GitSource } from './plugin-source.ts';

export interface GitFetchOptions {
  /** Wall clock for the whole operation. */
  readonly timeoutMs: number;
  /** Cap on the checked-out size, and on the size of the download while it is written. */
  readonly maxBytes: number;
  /** False in production: hosts that are or resolve to internal addresses are refused. */
  readonly allowPrivateHosts: boolean;
  /** Certificates to trust besides the usual public roots (a private git host; tests). */
  readonly caFile?: string;
  readonly signal?: AbortSignal;
}

const REDACTED = '[REDACTED]';
const STDERR_REPORT_CHARS = 2048;
const STDERR_KEEP_CHARS = 16_384;
// ls-tree of a huge tree is the largest output we read; past this the repository is too big anyway.
const STDOUT_MAX_BYTES = 32 * 1024 * 1024;
// A transfer slower than this for this long is as good as stalled.
const LOW_SPEED_LIMIT_BYTES = 1024;
const LOW_SPEED_TIME_SECONDS = 30;
const DOWNLOAD_CHECK_INTERVAL_MS = 200;
// After SIGKILL the pipes close at once unless something escaped the process group.
const KILL_GRACE_MS = 1000;
const SYMLINK_MODE = '120000';

// Settings that neither the repository nor the environment can override: git reads no system
// or global config, and the repository's own config is the empty one `git init` wrote.
const LOCKED_SETTINGS: readonly string[] = [
  'core.symlinks=false',
  'core.hooksPath=/dev/null',
  'core.fsmonitor=false',
  'core.protectNTFS=true',
  'core.protectHFS=true',
  'protocol.allow=never',
  'protocol.https.allow=always',
  'submodule.recurse=false',
  'fetch.recurseSubmodules=false',
  'credential.helper=',
  // http.extraHeader goes to whatever host a redirect names, and a redirect could also lead
  // to an internal address after the host check.
  'http.followRedirects=false',
  'http.sslVerify=true',
  `http.lowSpeedLimit=${String(LOW_SPEED_LIMIT_BYTES)}`,
  `http.lowSpeedTime=${String(LOW_SPEED_TIME_SECONDS)}`,
  'transfer.fsckObjects=true',
  // Automatic gc and maintenance detach into the background, outside our process group.
  'gc.auto=0',
  'maintenance.auto=false',
  'fetch.writeCommitGraph=false',
  'init.defaultBranch=main',
];

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

/**
 * Fetches the requested commit (or ref, or the default branch) of `source` into `destination`, a
 * fresh empty folder the caller owns and deletes on failure; with `subdirectory`, only that
 * folder's content, at the root of `destination`. Returns the full sha of the commit fetched.
 */
export async function fetchGitSource(
  source: GitSource,
  destination: string,
  options: GitFetchOptions,
): Promise<{ commit: string }> {
  const url = checkGitUrl(source.url);
  const ref = checkRef(source.ref);
  const commit = checkCommit(source.commit);
  const subdirectory = checkSubdirectory(source.subdirectory);
  const report: Record<string, unknown> = {
    url: url.href,
    ...(ref === undefined ? {} : { ref }),
    ...(commit === undefined ? {} : { commit }),
    ...(subdirectory === undefined ? {} : { subdirectory }),
  };
  const signal = AbortSignal.any([
    // AbortSignal.timeout only takes a whole, non-negative number of milliseconds.
    AbortSignal.timeout(Math.max(0, Math.ceil(options.timeoutMs))),
    ...(options.signal === undefined ? [] : [options.signal]),
  ]);
  const stopped = (): ServerError => stopError(options, report);
  const addresses = await untilAborted(
    checkGitHost(url, { allowPrivateHosts: options.allowPrivateHosts }),
    signal,
    stopped,
  );
  const scratch = await mkdtemp(path.join(tmpdir(), 'plugboard-git-'));
  try {
    const run = await prepare(scratch, { url, addresses, source, options, signal, report });
    await runGit(run, ['init', '--bare', '--quiet', '--template=']);
    const resolved = await fetchCommit(run, { url: url.href, ref, commit });
    const tree = await resolveTree(run, resolved, subdirectory);
    await checkTree(run, tree);
    await runGit(run, ['read-tree', tree]);
    await runGit(run, ['checkout-index', '--all'], { workTree: destination });
    await checkResult(run, destination);
    return { commit: resolved };
  } finally {
    // A leftover scratch folder only costs disk space; it must not hide the real outcome.
    await rm(scratch, { recursive: true, force: true, maxRetries: 2 }).catch(() => undefined);
  }
}

interface GitRun {
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

interface PrepareInput {
  readonly url: URL;
  readonly addresses: readonly string[];
  readonly source: GitSource;
  readonly options: GitFetchOptions;
  readonly signal: AbortSignal;
  readonly report: Readonly<Record<string, unknown>>;
}

async function prepare(scratch: string, input: PrepareInput): Promise<GitRun> {
  const { url, addresses, source, options, signal, report } = input;
  const home = path.join(scratch, 'home');
  const gitDir = path.join(scratch, 'repo.git');
  await mkdir(home, { mode: 0o700 });
  const settings = [...LOCKED_SETTINGS];
  if (options.caFile !== undefined) {
    settings.push(`http.sslCAInfo=${await writeCaBundle(scratch, options.caFile)}`);
  }
  if (addresses.length > 0) {
    // Pins git to the addresses we checked, so that it cannot resolve the name differently.
    const port = url.port === '' ? '443' : url.port;
    const pinned = addresses.map((address) => (address.includes(':') ? `[${address}]` : address));
    settings.push(`http.curloptResolve=${hostOf(url)}:${port}:${pinned.join(',')}`);
  }
  const env: Record<string, string> = {
    PATH: process.env['PATH'] ?? '/usr/bin:/bin',
    HOME: home,
    XDG_CONFIG_HOME: home,
    // English messages, which is what the few stderr checks below look for.
    LC_ALL: 'C',
    GIT_CONFIG_NOSYSTEM: '1',
    GIT_CONFIG_GLOBAL: '/dev/null',
    GIT_TERMINAL_PROMPT: '0',
    GIT_ASKPASS: '/bin/false',
    GIT_ALLOW_PROTOCOL: 'https',
    GIT_PROTOCOL_FROM_USER: '0',
  };
  const secrets: string[] = [];
  let networkEnv = env;
  if (source.token !== undefined) {
    const credentials = Buffer.from(`x-access-token:${source.token}`).toString('base64');
    // From the environment, not argv: other local users can read any process's arguments.
    networkEnv = {
      ...env,
      GIT_CONFIG_COUNT: '1',
      GIT_CONFIG_KEY_0: 'http.extraHeader',
      GIT_CONFIG_VALUE_0: `Authorization: Basic ${credentials}`,
    };
    secrets.push(source.token, credentials, encodeURIComponent(source.token));
  }
  return {
    scratch,
    flags: [...settings.flatMap((setting) => ['-c', setting]), `--git-dir=${gitDir}`],
    env,
    networkEnv,
    gitDir,
    maxBytes: options.maxBytes,
    signal,
    stopped: () => stopError(options, report),
    secrets,
    report,
  };
}

/** The public roots plus the extra CA file, since http.sslCAInfo replaces curl's own bundle. */
async function writeCaBundle(scratch: string, caFile: string): Promise<string> {
  let extra: string;
  try {
    extra = await readFile(caFile, 'utf8');
  } catch (error) {
    throw new ServerError('PSRV_CONFIG_INVALID', `cannot read the git CA file ${caFile}`, {
      details: { caFile, reason: (error as NodeJS.ErrnoException).code ?? 'unknown' },
    });
  }
  const bundle = path.join(scratch, 'ca-bundle.pem');
  await writeFile(bundle, `${[...rootCertificates, extra].join('\n')}\n`, { mode: 0o600 });
  return bundle;
}

interface Wanted {
  readonly url: string;
  readonly ref: string | undefined;
  readonly commit: string | undefined;
}

async function fetchCommit(run: GitRun, wanted: Wanted): Promise<string> {
  const { url, ref, commit } = wanted;
  if (commit === undefined) {
    const result = await runGit(
      run,
      ['fetch', '--depth=1', '--no-tags', '--', url, ref ?? 'HEAD'],
      {
        network: true,
        watchDownload: true,
        check: false,
      },
    );
    if (result.code !== 0 && ref !== undefined && /couldn't find remote ref/i.test(result.stderr)) {
      throw new ServerError('PSRV_SOURCE_REFUSED', `the git ref "${ref}" does not exist`, {
        details: { ...run.report },
      });
    }
    throwIfFailed(run, 'fetch', result);
    await checkDownload(run);
    return verifyCommit(run, 'FETCH_HEAD');
  }
  if (commit.length === 40) {
    // Needs a server that lets clients ask for any commit (protocol v2 does; v0 needs
    // uploadpack.allowReachableSHA1InWant); otherwise fall back to fetching every branch and tag.
    const shallow = await runGit(run, ['fetch', '--depth=1', '--no-tags', '--', url, commit], {
      network: true,
      watchDownload: true,
      check: false,
    });
    if (shallow.code === 0) {
      await checkDownload(run);
      return verifyCommit(run, commit);
    }
  }
  await runGit(
    run,
    [
      'fetch',
      '--no-tags',
      '--',
      url,
      '+refs/heads/*:refs/remotes/origin/*',
      '+refs/tags/*:refs/tags/*',
    ],
    { network: true, watchDownload: true },
  );
  await checkDownload(run);
  return verifyCommit(run, commit);
}

/** The full sha of `revision` (FETCH_HEAD, or the requested commit or its prefix). */
async function verifyCommit(run: GitRun, revision: string): Promise<string> {
  const result = await runGit(run, ['rev-parse', '--verify', '--quiet', `${revision}^{commit}`], {
    check: false,
  });
  const sha = result.stdout.trim();
  const requested = revision !== 'FETCH_HEAD';
  if (result.code === 0 && /^[0-9a-f]{40}$/.test(sha) && (!requested || sha.startsWith(revision))) {
    return sha;
  }
  if (requested) {
    throw new ServerError(
      'PSRV_SOURCE_REFUSED',
      `the commit ${revision} is not in the repository's branches or tags (or is ambiguous)`,
      { details: { ...run.report } },
    );
  }
  throwIfFailed(run, 'rev-parse', result);
  throw new ServerError('PSRV_GIT_FAILED', 'git did not report the fetched commit', {
    details: { ...run.report },
  });
}

async function resolveTree(
  run: GitRun,
  commit: string,
  subdirectory: string | undefined,
): Promise<string> {
  // In "<commit>:<path>" everything after the colon is the path, so "^{tree}" cannot follow it;
  // cat-file tells a folder from a file instead.
  const revision = subdirectory === undefined ? `${commit}^{tree}` : `${commit}:${subdirectory}`;
  const result = await runGit(run, ['rev-parse', '--verify', '--quiet', revision], {
    check: false,
  });
  const sha = result.stdout.trim();
  if (result.code === 0 && /^[0-9a-f]{40}$/.test(sha)) {
    const type = await runGit(run, ['cat-file', '-t', sha]);
    if (type.stdout.trim() === 'tree') {
      return sha;
    }
  }
  if (subdirectory !== undefined) {
    throw new ServerError(
      'PSRV_SOURCE_REFUSED',
      `the subdirectory "${subdirectory}" is not a folder in the repository at ${commit}`,
      { details: { ...run.report } },
    );
  }
  throwIfFailed(run, 'rev-parse', result);
  throw new ServerError('PSRV_GIT_FAILED', 'git did not report the commit tree', {
    details: { ...run.report },
  });
}

/** Refuses symlinks and oversized trees from git's listing, before anything is written. */
async function checkTree(run: GitRun, tree: string): Promise<void> {
  const result = await runGit(run, ['ls-tree', '-r', '-z', '-l', tree]);
  const symlinks: string[] = [];
  let bytes = 0;
  for (const entry of result.stdout.split('\0')) {
    const match = /^(\d{6}) \S+ [0-9a-f]+ +(\S+)\t(.*)$/s.exec(entry);
    if (match === null) {
      continue;
    }
    const [, mode, size, name] = match;
    if (mode === SYMLINK_MODE) {
      symlinks.push(name ?? '');
    }
    // Submodules (mode 160000) have no size and are checked out as empty folders.
    bytes += size === '-' ? 0 : Number(size);
  }
  refuseSymlinks(run, symlinks);
  refuseTooLarge(run, bytes, 'content');
}

/** Measures what was written: the filters git applies on checkout can change sizes. */
async function checkResult(run: GitRun, destination: string): Promise<void> {
  const measured = await measureTree(destination, false);
  refuseSymlinks(run, measured.symlinks);
  if (measured.special.length > 0) {
    throw new ServerError(
      'PSRV_SOURCE_REFUSED',
      `the repository content holds entries that are neither files nor folders: ${quoteList(measured.special)}`,
      { details: { ...run.report, paths: measured.special.slice(0, 10) } },
    );
  }
  refuseTooLarge(run, measured.bytes, 'content');
}

async function checkDownload(run: GitRun): Promise<void> {
  refuseTooLarge(run, (await measureTree(run.gitDir, true)).bytes, 'download');
}

function refuseSymlinks(run: GitRun, symlinks: readonly string[]): void {
  if (symlinks.length > 0) {
    throw new ServerError(
      'PSRV_SOURCE_REFUSED',
      `the repository content holds symbolic links, which are refused: ${quoteList(symlinks)}`,
      { details: { ...run.report, paths: symlinks.slice(0, 10) } },
    );
  }
}

function refuseTooLarge(run: GitRun, bytes: number, what: 'content' | 'download'): void {
  if (bytes > run.maxBytes) {
    throw tooLarge(run, bytes, what);
  }
}

function tooLarge(run: GitRun, bytes: number, what: 'content' | 'download'): ServerError {
  return new ServerError(
    'PSRV_SOURCE_TOO_LARGE',
    `the git repository's ${what} is larger than the ${String(run.maxBytes)}-byte limit`,
    { details: { ...run.report, bytes, maxBytes: run.maxBytes } },
  );
}

interface TreeMeasure {
  bytes: number;
  readonly symlinks: string[];
  readonly special: string[];
}

/**
 * Adds up the sizes of everything under `root` without following links. `racing` tolerates
 * entries that vanish while we look (git renames its temporary pack files as it goes).
 */
async function measureTree(root: string, racing: boolean): Promise<TreeMeasure> {
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

interface RunOptions {
  /** Sends the token header; only for commands that talk to the host. */
  readonly network?: boolean;
  /** Kills git as soon as the repository folder outgrows maxBytes. */
  readonly watchDownload?: boolean;
  readonly workTree?: string;
  /** False returns a failed result instead of throwing PSRV_GIT_FAILED. */
  readonly check?: boolean;
}

interface GitResult {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
  readonly stdout: string;
  /** The tail of stderr, secrets not yet redacted. */
  readonly stderr: string;
}

/**
 * Runs one git command in its own process group, so that stopping it (timeout, abort, size)
 * also kills git-remote-https, index-pack and anything else it started.
 */
function runGit(
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
    const child = spawn('git', argv, {
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
      let measuring = false;
      watchTimer = setInterval(() => {
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
  });
}

function throwIfFailed(run: GitRun, command: string, result: GitResult): void {
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

function stopError(
  options: GitFetchOptions,
  report: Readonly<Record<string, unknown>>,
): ServerError {
  if (options.signal?.aborted === true) {
    return new ServerError('PSRV_SOURCE_TIMEOUT', 'fetching the git repository was cancelled', {
      details: { ...report, cancelled: true },
    });
  }
  return new ServerError(
    'PSRV_SOURCE_TIMEOUT',
    `fetching the git repository took longer than ${String(options.timeoutMs)} ms`,
    { details: { ...report, timeoutMs: options.timeoutMs } },
  );
}

/** Settles with `work`, or rejects as soon as `signal` aborts (DNS lookups cannot be cancelled). */
function untilAborted<T>(
  work: Promise<T>,
  signal: AbortSignal,
  stopped: () => ServerError,
): Promise<T> {
  if (signal.aborted) {
    return Promise.reject(stopped());
  }
  return new Promise<T>((resolve, reject) => {
    const onAbort = (): void => {
      reject(stopped());
    };
    signal.addEventListener('abort', onAbort, { once: true });
    work.then(resolve, reject).finally(() => {
      signal.removeEventListener('abort', onAbort);
    });
  });
}

/** A branch or tag name as `git check-ref-format` would accept it, and never an option. */
function checkRef(ref: string | undefined): string | undefined {
  if (ref === undefined) {
    return undefined;
  }
  const valid =
    ref.length > 0 &&
    ref.length <= 256 &&
    !/[\p{Cc}\s~^:?*[\\]/u.test(ref) &&
    !/^[-+/]/.test(ref) &&
    !ref.endsWith('/') &&
    !ref.endsWith('.') &&
    !ref.includes('..') &&
    !ref.includes('//') &&
    !ref.includes('@{') &&
    ref !== '@' &&
    ref.split('/').every((part) => !part.startsWith('.') && !part.endsWith('.lock'));
  if (!valid) {
    throw new ServerError('PSRV_SOURCE_REFUSED', 'the git ref is not a valid branch or tag name', {
      details: { ref: JSON.stringify(ref).slice(0, 300) },
    });
  }
  return ref;
}

function checkCommit(commit: string | undefined): string | undefined {
  if (commit !== undefined && !/^[0-9a-f]{7,40}$/.test(commit)) {
    throw new ServerError(
      'PSRV_SOURCE_REFUSED',
      'the git commit must be 7 to 40 lowercase hexadecimal characters',
      { details: { commit: JSON.stringify(commit).slice(0, 100) } },
    );
  }
  return commit;
}

/** A relative, normalised folder path inside the repository, without a trailing slash. */
function checkSubdirectory(subdirectory: string | undefined): string | undefined {
  if (subdirectory === undefined) {
    return undefined;
  }
  const trimmed = subdirectory.endsWith('/') ? subdirectory.slice(0, -1) : subdirectory;
  const valid =
    trimmed.length > 0 &&
    !/[\p{Cc}\\]/u.test(trimmed) &&
    !trimmed.startsWith('/') &&
    path.posix.normalize(trimmed) === trimmed &&
    trimmed.split('/').every((part) => part !== '.' && part !== '..');
  if (!valid) {
    throw new ServerError(
      'PSRV_SOURCE_REFUSED',
      'the subdirectory must be a relative, normalised path inside the repository (no "..")',
      { details: { subdirectory: JSON.stringify(subdirectory).slice(0, 600) } },
    );
  }
  return trimmed;
}

function quoteList(names: readonly string[]): string {
  const shown = names.slice(0, 5).map((name) => JSON.stringify(name));
  return names.length > 5
    ? `${shown.join(', ')} and ${String(names.length - 5)} more`
    : shown.join(', ');
}
