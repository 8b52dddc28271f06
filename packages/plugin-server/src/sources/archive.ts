/**
 * @module Unpacks a plugin package (`.tar.gz`, treated as hostile) into an empty folder the caller
 * owns: only files and folders, every name checked and every limit enforced while streaming.
 *
 * node-tar's Unpack is not used: it creates links, devices and folders itself and only reports
 * what it skips. Here its Parser only reads headers and bodies; every entry passes the rules in
 * archive-entry-rules.ts before this module creates anything, with O_EXCL and O_NOFOLLOW.
 */
import { constants } from 'node:fs';
import { chmod, lstat, mkdir, open, readdir, realpath, type FileHandle } from 'node:fs/promises';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { createGunzip } from 'node:zlib';
import { Parser, type ReadEntry } from 'tar';
import { ServerError } from '../errors.ts';
import {
  DIRECTORY_MODE,
  EntryLayout,
  checkExtendedHeader,
  entryKind,
  entryLabel,
  entrySegments,
  fileMode,
  invalidEntry,
  refuseIgnored,
  verifyUnpacked,
} from './archive-entry-rules.ts';

export interface ArchiveLimits {
  readonly maxCompressedBytes: number;
  readonly maxEntries: number;
  /** Of the unpacked tar stream: contents, headers and padding. */
  readonly maxTotalBytes: number;
  readonly maxFileBytes: number;
  readonly maxDepth: number;
  /** Unpacked bytes per compressed byte, checked once past RATIO_FLOOR_BYTES. */
  readonly maxRatio: number;
}

const MIB = 1024 * 1024;

export const DEFAULT_ARCHIVE_LIMITS: ArchiveLimits = Object.freeze({
  maxCompressedBytes: 100 * MIB,
  maxEntries: 20_000,
  maxTotalBytes: 500 * MIB,
  maxFileBytes: 200 * MIB,
  maxDepth: 32,
  maxRatio: 100,
});

// Small archives are mostly zero padding and compress far beyond any sane ratio.
const RATIO_FLOOR_BYTES = MIB;
// How far parsing may run ahead of the disk; bounds memory whatever the archive holds.
const WRITE_AHEAD_BYTES = 4 * MIB;
const CREATE_FILE =
  constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | constants.O_NOFOLLOW;

export interface ExtractResult {
  readonly entries: number;
  readonly bytes: number;
}

// eslint-disable-next-line max-params -- the signature agreed with the sources that call it
export async function extractArchive(
  input: AsyncIterable<Uint8Array> | NodeJS.ReadableStream,
  destination: string,
  limits: ArchiveLimits = DEFAULT_ARCHIVE_LIMITS,
  options: { signal?: AbortSignal | undefined } = {},
): Promise<ExtractResult> {
  const { signal } = options;
  signal?.throwIfAborted();
  const root = await emptyFolder(destination);
  const extraction = new Extraction(root, limits);
  const gunzip = createGunzip({ chunkSize: 64 * 1024 });
  let gunzipError: unknown;
  gunzip.once('error', (error) => (gunzipError = error));
  let compressed = 0;
  async function* countCompressed(source: AsyncIterable<unknown>): AsyncGenerator<Buffer> {
    for await (const chunk of source) {
      if (!(chunk instanceof Uint8Array)) {
        throw new ServerError('PSRV_INTERNAL', 'archive input must be bytes, not text');
      }
      if (compressed === 0 && chunk.length > 0 && chunk[0] !== 0x1f) {
        throw new ServerError('PSRV_ARCHIVE_INVALID', 'archive is not gzip-compressed (.tar.gz)');
      }
      compressed += chunk.length;
      if (compressed > limits.maxCompressedBytes) {
        throw tooLarge(`archive is larger than ${String(limits.maxCompressedBytes)} bytes`);
      }
      yield Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength);
    }
  }
  async function unpack(source: AsyncIterable<Buffer>): Promise<void> {
    for await (const chunk of source) {
      extraction.write(chunk, compressed);
      await extraction.drained();
    }
  }
  try {
    await pipeline(input, countCompressed, gunzip, unpack, signal ? { signal } : {});
    extraction.end();
  } catch (error) {
    extraction.fail(
      signal?.aborted === true ? signal.reason : readError(error, error === gunzipError),
    );
  }
  return await extraction.finish();
}

function tooLarge(message: string): ServerError {
  return new ServerError('PSRV_SOURCE_TOO_LARGE', message);
}

function notTar(error: unknown): ServerError {
  const reason = error instanceof Error ? ` (${error.message})` : '';
  return new ServerError('PSRV_ARCHIVE_INVALID', `archive is not a valid tar file${reason}`, {
    cause: error,
  });
}

function readError(error: unknown, fromGunzip: boolean): unknown {
  if (error instanceof ServerError) {
    return error;
  }
  if (fromGunzip) {
    const truncated = (error as { code?: unknown }).code === 'Z_BUF_ERROR';
    return new ServerError(
      'PSRV_ARCHIVE_INVALID',
      truncated
        ? 'archive is truncated (the gzip data ends early)'
        : 'archive is not valid gzip data',
      { cause: error },
    );
  }
  return new ServerError('PSRV_SOURCE_FAILED', 'reading the archive failed', { cause: error });
}

/** Parses the tar stream, checks each entry and hands what passes to the DiskWriter. */
class Extraction {
  readonly #limits: ArchiveLimits;
  readonly #root: string;
  readonly #parser: Parser;
  readonly #layout = new EntryLayout();
  readonly #writer: DiskWriter;
  #failed = false;
  #failure: unknown;
  #unpacked = 0;
  #declared = 0;
  #entries = 0;
  #bytes = 0;
  #sawEnd = false;
  #head: Buffer | undefined = Buffer.alloc(0);

  constructor(root: string, limits: ArchiveLimits) {
    this.#root = root;
    this.#limits = limits;
    this.#writer = new DiskWriter(root, (error) => {
      this.fail(error);
    });
    // brotli and zstd off: the only compression accepted is the gzip layer unpacked above.
    this.#parser = new Parser({ strict: true, brotli: false, zstd: false });
    this.#parser.on('entry', (entry: ReadEntry) => {
      this.#guard(entry, () => {
        this.#accept(entry);
      });
    });
    this.#parser.on('ignoredEntry', (entry: ReadEntry) => {
      this.#guard(entry, () => {
        refuseIgnored(entry);
      });
    });
    this.#parser.on('meta', (meta: string) => {
      this.#guard(undefined, () => {
        checkExtendedHeader(meta);
      });
    });
    this.#parser.on('eof', () => {
      this.#sawEnd = true;
    });
    this.#parser.on('error', (error: unknown) => {
      this.fail(notTar(error));
    });
  }

  fail(error: unknown): void {
    if (!this.#failed) {
      this.#failed = true;
      this.#failure = error;
    }
    this.#writer.stop();
  }

  write(chunk: Buffer, compressed: number): void {
    if (this.#failed) {
      throw this.#failure;
    }
    this.#unpacked += chunk.length;
    if (this.#unpacked > this.#limits.maxTotalBytes) {
      this.fail(
        tooLarge(`archive unpacks to more than ${String(this.#limits.maxTotalBytes)} bytes`),
      );
    } else if (
      this.#unpacked > RATIO_FLOOR_BYTES &&
      this.#unpacked > compressed * this.#limits.maxRatio
    ) {
      this.fail(
        tooLarge(
          `archive unpacks to more than ${String(this.#limits.maxRatio)} times its compressed size`,
        ),
      );
    } else if (!this.#sawEnd) {
      // Like tar, nothing after the end marker is read (it is record padding); it is only counted
      // against the limits above, since node-tar would hold all of it in memory.
      this.#parse(chunk);
    }
    if (this.#failed) {
      throw this.#failure;
    }
  }

  async drained(): Promise<void> {
    if (this.#writer.queuedBytes > WRITE_AHEAD_BYTES) {
      await this.#writer.idle();
    }
  }

  end(): void {
    this.#parser.end();
    if (!this.#failed && !this.#sawEnd) {
      this.fail(
        new ServerError(
          'PSRV_ARCHIVE_INVALID',
          'archive is truncated (it has no end-of-archive marker)',
        ),
      );
    }
  }

  /** Waits for every disk step, so nothing is written after this rejects. */
  async finish(): Promise<ExtractResult> {
    await this.#writer.settle();
    if (this.#failed) {
      throw this.#failure;
    }
    await verifyUnpacked(this.#root, this.#layout.expected());
    return { entries: this.#entries, bytes: this.#bytes };
  }

  #parse(chunk: Buffer): void {
    if (this.#head === undefined) {
      this.#feed(chunk);
      return;
    }
    // node-tar would silently gunzip a second layer, uncounted by the limits above.
    const head = Buffer.concat([this.#head, chunk]);
    this.#head = head.length < 2 ? head : undefined;
    if (head[0] === 0x1f && head[1] === 0x8b) {
      this.fail(new ServerError('PSRV_ARCHIVE_INVALID', 'archive is compressed twice'));
    } else if (this.#head === undefined) {
      this.#feed(head);
    }
  }

  #feed(chunk: Buffer): void {
    try {
      this.#parser.write(chunk);
    } catch (error) {
      this.fail(notTar(error));
    }
  }

  #guard(entry: ReadEntry | undefined, check: () => void): void {
    try {
      if (!this.#failed) {
        check();
        return;
      }
    } catch (error) {
      this.fail(error);
    }
    entry?.resume();
  }

  #accept(entry: ReadEntry): void {
    this.#entries += 1;
    if (this.#entries > this.#limits.maxEntries) {
      throw new ServerError(
        'PSRV_ARCHIVE_INVALID',
        `archive has more than ${String(this.#limits.maxEntries)} entries`,
      );
    }
    const kind = entryKind(entry);
    const segments = entrySegments(entry.path, kind, this.#limits.maxDepth);
    if (kind === 'file') {
      this.#declared += entry.size;
      if (entry.size > this.#limits.maxFileBytes) {
        throw tooLarge(
          `${entryLabel(entry.path)} is larger than ${String(this.#limits.maxFileBytes)} bytes`,
        );
      }
      if (this.#declared > this.#limits.maxTotalBytes) {
        throw tooLarge(`archive unpacks to more than ${String(this.#limits.maxTotalBytes)} bytes`);
      }
    }
    for (const folder of this.#layout.claim(entry.path, segments, kind)) {
      this.#writer.makeFolder(folder);
    }
    if (kind === 'directory') {
      entry.resume();
      return;
    }
    const name = segments.join('/');
    const mode = fileMode(entry.mode);
    this.#writer.openFile(name);
    // 'end' first: an empty entry ends as soon as 'data' starts it flowing.
    entry.on('end', () => {
      this.#writer.closeFile(name, mode);
    });
    entry.on('data', (chunk: Buffer) => {
      this.#bytes += chunk.length;
      this.#writer.write(name, chunk);
    });
  }
}

/** Creates what the archive holds one step at a time, in archive order, never following a link. */
class DiskWriter {
  queuedBytes = 0;
  readonly #root: string;
  readonly #onError: (error: unknown) => void;
  #tail: Promise<void> = Promise.resolve();
  #stopped = false;
  #file: FileHandle | undefined;

  constructor(root: string, onError: (error: unknown) => void) {
    this.#root = root;
    this.#onError = onError;
  }

  stop(): void {
    this.#stopped = true;
  }

  makeFolder(name: string): void {
    this.#then(name, async (path) => {
      await mkdir(path, { mode: DIRECTORY_MODE });
      await chmod(path, DIRECTORY_MODE); // mkdir's mode passes through the umask
    });
  }

  openFile(name: string): void {
    this.#then(name, async (path) => {
      this.#file = await open(path, CREATE_FILE, 0o600);
    });
  }

  write(name: string, chunk: Buffer): void {
    this.queuedBytes += chunk.length;
    this.#then(name, async () => {
      try {
        for (let offset = 0; offset < chunk.length;) {
          offset += (await this.#open().write(chunk, offset)).bytesWritten;
        }
      } finally {
        this.queuedBytes -= chunk.length;
      }
    });
  }

  closeFile(name: string, mode: number): void {
    this.#then(name, async () => {
      const file = this.#open();
      this.#file = undefined;
      try {
        await file.chmod(mode);
      } finally {
        await file.close();
      }
    });
  }

  idle(): Promise<void> {
    return this.#tail;
  }

  async settle(): Promise<void> {
    await this.#tail;
    await this.#file?.close().catch(() => undefined);
    this.#file = undefined;
  }

  #open(): FileHandle {
    if (this.#file === undefined) {
      throw new ServerError('PSRV_INTERNAL', 'archive file written before it was opened');
    }
    return this.#file;
  }

  #then(name: string, step: (path: string) => Promise<void>): void {
    this.#tail = this.#tail.then(async () => {
      if (this.#stopped) {
        return;
      }
      try {
        await step(join(this.#root, name));
      } catch (error) {
        this.#stopped = true;
        this.#onError(diskError(name, error));
      }
    });
  }
}

function diskError(name: string, error: unknown): unknown {
  const code = (error as { code?: unknown }).code;
  if (error instanceof ServerError) {
    return error;
  }
  if (code === 'ENOSPC' || code === 'EDQUOT') {
    return new ServerError('PSRV_DISK_FULL', 'no disk space left to unpack the archive', {
      cause: error,
    });
  }
  if (code === 'EEXIST') {
    return invalidEntry(name, 'collides with an earlier entry on this file system');
  }
  if (code === 'ENAMETOOLONG') {
    return invalidEntry(name, 'has a name too long for this file system');
  }
  return new ServerError('PSRV_INTERNAL', `unpacking ${entryLabel(name)} failed`, { cause: error });
}

async function emptyFolder(destination: string): Promise<string> {
  const stats = await lstat(destination);
  const root = await realpath(destination);
  if (!stats.isDirectory() || (await readdir(root)).length > 0) {
    throw new ServerError('PSRV_INTERNAL', 'archive destination must be an empty folder', {
      details: { destination },
    });
  }
  return root;
}
