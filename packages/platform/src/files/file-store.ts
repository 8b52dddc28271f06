/**
 * @module Stored files: bytes on disk under `<dataDir>/files/<id>`, metadata in the `files` table.
 * Bytes are streamed in (metered, hashed, size-limited) to a temporary name and renamed into place
 * only when complete, so a reader never sees half a file; the row is written last, so a file
 * the store knows about always has its bytes.
 */
import { randomBytes } from 'node:crypto';
import { mkdir, open, rename, rm } from 'node:fs/promises';
import { join } from 'node:path';
import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { FileRef } from '@plugboard/protocol';
import { openFileSink } from '@plugboard/server-api';
import type { Database } from '../db/database.ts';
import { PlatformError } from '../errors.ts';
import { FileMeter } from './file-meter.ts';
import { grantRunFile } from './run-file-access.ts';

/** Who stored a file: a user through the API, or a plugin during a run. */
type FileCreator = 'user' | `plugin:${string}`;

export interface StoredFile {
  readonly id: string;
  readonly name: string;
  readonly contentType: string;
  readonly size: number;
  /** Hex SHA-256 of the bytes, computed as they were written. */
  readonly sha256: string;
  readonly createdBy: FileCreator;
  /** The run whose node stored it, if any. */
  readonly runId: string | undefined;
  readonly createdAt: string;
}

export interface NewFile {
  readonly name: string;
  readonly contentType: string;
  readonly createdBy: FileCreator;
  /** The run that made it; the file is also granted to that run, so its later nodes can read it. */
  readonly runId?: string | undefined;
}

interface OpenedFile {
  readonly meta: StoredFile;
  readonly stream: Readable;
}

export interface FileStore {
  readonly maxBytes: number;
  /**
   * Streams `source` into storage. Over `maxBytes` → PLAT_PAYLOAD_TOO_LARGE with nothing kept.
   * On failure `source` is left unpiped but not destroyed: an HTTP caller can still be answered.
   */
  save(source: Readable, meta: NewFile): Promise<StoredFile>;
  /** Where the files are kept (to measure its disk when it is full). */
  readonly dir: string;
  /** The file's metadata and a stream of its bytes; PLAT_FILE_NOT_FOUND when there is none. */
  open(id: string): Promise<OpenedFile>;
  get(id: string): Promise<StoredFile | undefined>;
  /** Removes the row, then the bytes; false when there was no such file. */
  delete(id: string): Promise<boolean>;
}

interface FileRow {
  id: string;
  name: string;
  content_type: string;
  size: string | number;
  sha256: string;
  created_by: string;
  run_id: string | null;
  created_at: Date | string;
}

const COLUMNS = 'id, name, content_type, size, sha256, created_by, run_id, created_at';

export function createFileStore(options: {
  readonly db: Database;
  readonly dir: string;
  readonly maxBytes: number;
}): FileStore {
  const { db, dir, maxBytes } = options;

  const get = async (id: string): Promise<StoredFile | undefined> => {
    const [row] = await db.query<FileRow>(`SELECT ${COLUMNS} FROM files WHERE id = $1`, [id]);
    return row === undefined ? undefined : fromRow(row);
  };

  return {
    maxBytes,
    dir,
    get,
    async save(source, meta) {
      const id = `file_${randomBytes(16).toString('base64url')}`;
      const path = join(dir, id);
      const partial = `${path}.partial`;
      const meter = new FileMeter(maxBytes);
      await mkdir(dir, { recursive: true });
      try {
        await meterInto(source, meter, openFileSink(partial, { flags: 'wx', mode: 0o600 }));
        await rename(partial, path);
      } catch (error) {
        await rm(partial, { force: true });
        throw error;
      }
      try {
        const row = await db.transaction(async (tx) => {
          const [inserted] = await tx.query<FileRow>(
            `INSERT INTO files (id, name, content_type, size, sha256, created_by, run_id)
             VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING ${COLUMNS}`,
            [
              id,
              meta.name,
              meta.contentType,
              meter.bytes,
              meter.sha256(),
              meta.createdBy,
              meta.runId ?? null,
            ],
          );
          if (meta.runId !== undefined) {
            await grantRunFile(tx, meta.runId, id);
          }
          return inserted;
        });
        if (row === undefined) {
          throw new PlatformError('PLAT_INTERNAL', 'storing a file returned no row');
        }
        return fromRow(row);
      } catch (error) {
        await rm(path, { force: true });
        throw error;
      }
    },
    async open(id) {
      const meta = await get(id);
      if (meta === undefined) {
        throw new PlatformError('PLAT_FILE_NOT_FOUND', `no file ${id}`);
      }
      // Opened before answering, so a missing file is an error the caller can still report.
      const handle = await open(join(dir, meta.id), 'r').catch((error: unknown) => {
        throw new PlatformError(
          'PLAT_FILE_NOT_FOUND',
          `the bytes of file ${id} are missing from ${dir}; was the data folder changed by hand?`,
          { cause: error },
        );
      });
      return { meta, stream: handle.createReadStream() };
    },
    async delete(id) {
      const rows = await db.query<{ id: string }>('DELETE FROM files WHERE id = $1 RETURNING id', [
        id,
      ]);
      const [deleted] = rows;
      if (deleted === undefined) {
        return false;
      }
      await rm(join(dir, deleted.id), { force: true });
      return true;
    },
  };
}

export function toFileRef(file: StoredFile): FileRef {
  return { id: file.id, name: file.name, contentType: file.contentType, size: file.size };
}

/**
 * Pipes `source` through the meter to `sink`. Unlike `pipeline(source, …)`, a failure does not
 * destroy `source`: when it is a request, destroying it would close the socket the 413 must
 * travel back on. A source that errors or closes early fails the copy instead of stalling it.
 */
async function meterInto(
  source: Readable,
  meter: FileMeter,
  sink: NodeJS.WritableStream,
): Promise<void> {
  const failed = (error: unknown): void => {
    meter.destroy(
      new PlatformError('PLAT_BAD_REQUEST', 'the upload was cut off before its end', {
        cause: error,
      }),
    );
  };
  const closed = (): void => {
    if (!source.readableEnded) {
      failed(undefined);
    }
  };
  source.once('error', failed);
  source.once('close', closed);
  source.pipe(meter);
  try {
    await pipeline(meter, sink);
  } finally {
    source.unpipe(meter);
    source.off('error', failed);
    source.off('close', closed);
  }
}

function fromRow(row: FileRow): StoredFile {
  return {
    id: row.id,
    name: row.name,
    contentType: row.content_type,
    size: Number(row.size),
    sha256: row.sha256,
    createdBy: row.created_by as FileCreator,
    runId: row.run_id ?? undefined,
    createdAt: new Date(row.created_at).toISOString(),
  };
}
