/**
 * @module Checks around a git fetch: the ref, commit and subdirectory a source asks for, before
 * git ever sees them, and the fetched tree and checked-out files, which must hold no symbolic
 * links or special files and fit the size limit.
 */
import path from 'node:path';
import { ServerError } from '../errors.ts';
import { measureTree, runGit, tooLarge, type GitRun } from './git-process.ts';

const SYMLINK_MODE = '120000';

/** A branch or tag name as `git check-ref-format` would accept it, and never an option. */
export function checkRef(ref: string | undefined): string | undefined {
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

export function checkCommit(commit: string | undefined): string | undefined {
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
export function checkSubdirectory(subdirectory: string | undefined): string | undefined {
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

/** Refuses symlinks and oversized trees from git's listing, before anything is written. */
export async function checkTree(run: GitRun, tree: string): Promise<void> {
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
export async function checkResult(run: GitRun, destination: string): Promise<void> {
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

export async function checkDownload(run: GitRun): Promise<void> {
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

function quoteList(names: readonly string[]): string {
  const shown = names.slice(0, 5).map((name) => JSON.stringify(name));
  return names.length > 5
    ? `${shown.join(', ')} and ${String(names.length - 5)} more`
    : shown.join(', ');
}
