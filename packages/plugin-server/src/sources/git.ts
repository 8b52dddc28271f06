/**
 * @module Fetches a git source into a folder: one commit's tree, or one folder of it, without
 * `.git`. git runs as a locked-down child process (https only, clean environment, no prompts,
 * hooks, submodules, redirects or symlinks, the token in an environment-provided header) under a
 * wall-clock limit and a size limit, and its whole process group dies with it.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { ServerError } from '../errors.ts';
import {
  checkCommit,
  checkDownload,
  checkRef,
  checkResult,
  checkSubdirectory,
  checkTree,
} from './git-checks.ts';
import { prepareRun } from './git-lockdown.ts';
import { runGit, throwIfFailed, type GitRun } from './git-process.ts';
import { checkGitHost, checkGitUrl } from './git-url.ts';
import type { GitSource } from '@plugboard/server-api';

export { redactSecrets } from './git-process.ts';

export interface GitFetchOptions {
  /** Wall clock for the whole operation. */
  readonly timeoutMs: number;
  /** Cap on the checked-out size, and on the size of the download while it is written. */
  readonly maxBytes: number;
  /** False in production: hosts that are or resolve to internal addresses are refused. */
  readonly allowPrivateHosts: boolean;
  /** Certificates to trust besides the usual public roots (a private git host; tests). */
  readonly caFile?: string;
  /**
   * The git executable, a name looked up on PATH or a path; default `git`. For a specific
   * (patched) git, or a wrapper that records how git is run (tests).
   */
  readonly gitBinary?: string;
  readonly signal?: AbortSignal;
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
    const run = await prepareRun(scratch, {
      url,
      addresses,
      token: source.token,
      caFile: options.caFile,
      gitBinary: options.gitBinary ?? 'git',
      maxBytes: options.maxBytes,
      signal,
      stopped,
      report,
    });
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
