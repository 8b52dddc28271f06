/**
 * @module Writes what a checked archive holds to disk, one step at a time in archive order: every
 * file is opened with O_EXCL and O_NOFOLLOW so no link or earlier entry is ever written through,
 * parsing may run only a bounded distance ahead of the disk, and disk failures become the errors
 * a caller can act on.
 */
import { constants } from 'node:fs';
import { chmod, mkdir, open, type FileHandle } from 'node:fs/promises';
import { join } from 'node:path';
import { ServerError } from '../errors.ts';
import { DIRECTORY_MODE, entryLabel, invalidEntry } from './archive-entry-rules.ts';

// How far parsing may run ahead of the disk; bounds memory whatever the archive holds.
const WRITE_AHEAD_BYTES = 4 * 1024 * 1024;
const CREATE_FILE =
  constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | constants.O_NOFOLLOW;

/** Creates what the archive holds one step at a time, in archive order, never following a link. */
export class DiskWriter {
  readonly #root: string;
  readonly #onError: (error: unknown) => void;
  #tail: Promise<void> = Promise.resolve();
  #queuedBytes = 0;
  #stopped = false;
  #file: FileHandle | undefined;

  /** After the first failed step, `onError` hears of it and every later step is skipped. */
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
    this.#queuedBytes += chunk.length;
    this.#then(name, async () => {
      try {
        for (let offset = 0; offset < chunk.length;) {
          offset += (await this.#open().write(chunk, offset)).bytesWritten;
        }
      } finally {
        this.#queuedBytes -= chunk.length;
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

  /** Resolves once the disk has caught up enough for parsing to go on. */
  async drained(): Promise<void> {
    if (this.#queuedBytes > WRITE_AHEAD_BYTES) {
      await this.#tail;
    }
  }

  /** Waits for every queued step and closes a file left open by a failure. */
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
