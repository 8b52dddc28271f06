/**
 * @module The rules every entry of a plugin archive must pass before anything touches the disk
 * (only files and folders, each under a plain relative name that stays inside the destination and
 * is claimed once), the modes they get, and the check of the unpacked tree against those rules.
 */
import { lstat, readdir, realpath } from 'node:fs/promises';
import { join } from 'node:path';
import { ServerError } from '../errors.ts';

export type EntryKind = 'file' | 'directory';

/** What the rules need of a node-tar ReadEntry; kept structural so the rules stay testable alone. */
export interface EntryHeader {
  readonly path: string;
  readonly type: string;
  readonly linkpath?: string | undefined;
}

// Hostile names can be megabytes long or full of control characters; messages and details
// must stay readable and small.
const SHOWN_NAME_CHARS = 120;
const DETAIL_NAME_CHARS = 1024;
const MAX_SEGMENT_BYTES = 255;

export const DIRECTORY_MODE = 0o755;
const FILE_MODE = 0o644;
const EXECUTABLE_MODE = 0o755;

const REFUSED_TYPES = new Map<string, string>([
  ['SymbolicLink', 'is a symbolic link'],
  ['Link', 'is a hard link'],
  ['CharacterDevice', 'is a character device'],
  ['BlockDevice', 'is a block device'],
  ['FIFO', 'is a FIFO (named pipe)'],
]);

export function entryLabel(path: string): string {
  const shown = path.length > SHOWN_NAME_CHARS ? `${path.slice(0, SHOWN_NAME_CHARS)}…` : path;
  return `entry ${JSON.stringify(shown)}`;
}

export function invalidEntry(path: string, rule: string): ServerError {
  return new ServerError('PSRV_ARCHIVE_INVALID', `${entryLabel(path)} ${rule}`, {
    details: { entry: path.slice(0, DETAIL_NAME_CHARS) },
  });
}

/** Fails closed: anything that is not plainly a file or a folder refuses the whole archive. */
export function entryKind(entry: EntryHeader): EntryKind {
  if (entry.type === 'Directory') {
    return 'directory';
  }
  if (entry.type === 'File' || entry.type === 'OldFile' || entry.type === 'ContiguousFile') {
    if (entry.linkpath !== undefined && entry.linkpath !== '') {
      throw invalidEntry(
        entry.path,
        'is a file with a link target; packages may not contain links',
      );
    }
    return 'file';
  }
  const what =
    REFUSED_TYPES.get(entry.type) ?? `has the unsupported type ${JSON.stringify(entry.type)}`;
  throw invalidEntry(entry.path, `${what}; packages may contain only files and folders`);
}

/** Any execute bit makes a file executable for all; setuid, setgid, sticky and write bits go. */
export function fileMode(mode: number | undefined): number {
  return ((mode ?? 0) & 0o111) === 0 ? FILE_MODE : EXECUTABLE_MODE;
}

/**
 * The entry's name split into folder names, or a refusal. An empty list is the destination itself
 * (`./`), which only a folder entry may name. Only a leading `./` is accepted, because that is how
 * `tar -C dir .` writes names; anything else unusual is refused rather than normalised away.
 */
export function entrySegments(path: string, kind: EntryKind, maxDepth: number): string[] {
  if (path === '') {
    throw invalidEntry(path, 'has an empty name');
  }
  if (path.includes('\0')) {
    throw invalidEntry(path, 'contains a NUL byte');
  }
  // eslint-disable-next-line no-control-regex -- control characters are exactly what is refused
  if (/[\u0001-\u001f\u007f]/.test(path)) {
    throw invalidEntry(path, 'contains a control character');
  }
  if (path.includes('\\')) {
    throw invalidEntry(path, 'contains a backslash; names must use "/" between folders');
  }
  if (path.startsWith('/')) {
    throw invalidEntry(path, 'is an absolute path; names must be relative');
  }
  if (/^[A-Za-z]:/.test(path)) {
    throw invalidEntry(path, 'starts with a drive letter; names must be relative');
  }
  const trimmed = kind === 'directory' && path.endsWith('/') ? path.slice(0, -1) : path;
  const segments = trimmed.split('/');
  if (segments[0] === '.') {
    segments.shift();
  }
  if (segments.length === 0 && kind === 'file') {
    throw invalidEntry(path, 'is a file without a name');
  }
  for (const segment of segments) {
    if (segment === '..') {
      throw invalidEntry(path, 'contains a ".." segment; names must stay inside the package');
    }
    if (segment === '' || segment === '.') {
      throw invalidEntry(path, `contains an empty or "." segment`);
    }
    if (Buffer.byteLength(segment) > MAX_SEGMENT_BYTES) {
      throw invalidEntry(path, `has a segment longer than ${String(MAX_SEGMENT_BYTES)} bytes`);
    }
  }
  if (segments.length > maxDepth) {
    throw invalidEntry(path, `is nested deeper than ${String(maxDepth)} levels`);
  }
  return segments;
}

/** Every name the archive has claimed so far, so each is used once and never inside a file. */
export class EntryLayout {
  // 'implied' folders were created for an entry inside them; the archive may still list them once.
  readonly #claimed = new Map<string, EntryKind | 'implied'>();

  /** Claims the entry's name; returns the folders to create for it, outermost first. */
  claim(path: string, segments: readonly string[], kind: EntryKind): string[] {
    const create: string[] = [];
    for (let depth = 1; depth < segments.length; depth += 1) {
      const parent = segments.slice(0, depth).join('/');
      const claimed = this.#claimed.get(parent);
      if (claimed === 'file') {
        throw invalidEntry(path, `is inside ${JSON.stringify(parent)}, which is a file`);
      }
      if (claimed === undefined) {
        this.#claimed.set(parent, 'implied');
        create.push(parent);
      }
    }
    const name = segments.join('/');
    const claimed = this.#claimed.get(name);
    if (claimed === 'implied' && kind === 'directory') {
      this.#claimed.set(name, 'directory');
      return create;
    }
    if (claimed !== undefined) {
      throw invalidEntry(path, 'appears more than once in the archive (duplicate entry)');
    }
    this.#claimed.set(name, kind);
    if (kind === 'directory' && name !== '') {
      create.push(name);
    }
    return create;
  }

  /** What should exist under the destination once every claimed entry is written. */
  expected(): Map<string, EntryKind> {
    const expected = new Map<string, EntryKind>();
    for (const [name, kind] of this.#claimed) {
      if (name !== '') {
        expected.set(name, kind === 'file' ? 'file' : 'directory');
      }
    }
    return expected;
  }
}

/** node-tar skips entries of types it does not know; here that refuses the archive. */
export function refuseIgnored(entry: EntryHeader & { readonly meta: boolean }): void {
  if (entry.meta) {
    throw invalidEntry(entry.path, 'has an oversized extended header');
  }
  entryKind(entry);
  throw invalidEntry(entry.path, 'was skipped by the tar parser');
}

/** node-tar cuts extended-header values at a NUL, which would hide the rest of a hostile name. */
export function checkExtendedHeader(meta: string): void {
  const body = meta.replace(/\0+$/, '');
  if (body.includes('\0')) {
    const name = /(?:^|\n)\d+ (?:path|linkpath)=([^\n]*)/.exec(body)?.[1] ?? body;
    throw invalidEntry(name, 'contains a NUL byte in its extended header');
  }
}

/** Checks the result against what was claimed: nothing else, nothing outside, nothing special. */
export async function verifyUnpacked(
  root: string,
  expected: ReadonlyMap<string, EntryKind>,
): Promise<void> {
  let found = 0;
  const walk = async (folder: string): Promise<void> => {
    for (const child of await readdir(join(root, folder))) {
      const name = folder === '' ? child : `${folder}/${child}`;
      const path = join(root, name);
      const stats = await lstat(path);
      const mode = stats.mode & 0o7777;
      const kind =
        stats.isDirectory() && mode === DIRECTORY_MODE
          ? 'directory'
          : stats.isFile() && stats.nlink === 1 && (mode === FILE_MODE || mode === EXECUTABLE_MODE)
            ? 'file'
            : undefined;
      if (kind === undefined || expected.get(name) !== kind || (await realpath(path)) !== path) {
        throw new ServerError(
          'PSRV_INTERNAL',
          `unpacked archive failed verification at ${entryLabel(name)}`,
        );
      }
      found += 1;
      if (kind === 'directory') {
        await walk(name);
      }
    }
  };
  await walk('');
  if (found !== expected.size) {
    throw new ServerError('PSRV_INTERNAL', 'unpacked archive is missing entries it listed');
  }
}
