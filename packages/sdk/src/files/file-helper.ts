/**
 * @module ctx.files: open files given as inputs, create new ones to return as outputs.
 */
import { Readable } from 'node:stream';
import type { FileRef } from '@plugboard/protocol';
import { bytesOf, PlugboardFile } from './plugboard-file.ts';
import type { FileBytes, FileCallOptions, FileTransport } from './file-transport.ts';

/**
 * What `ctx.files.create` accepts as content. Node streams are async iterables, so they fit. A
 * `PlugboardFile` is copied: its bytes stream from its download into the upload.
 */
export type FileContent =
  string | Uint8Array | ReadableStream<Uint8Array> | AsyncIterable<Uint8Array> | PlugboardFile;

/** The second argument of `ctx.files.create(content, options)`. */
export interface CreateFileOptions {
  /** The file's name as people see it, e.g. `report.csv`. */
  readonly name: string;
  /** @default 'application/octet-stream' */
  readonly contentType?: string;
}

/** `ctx.files`: open the files a node receives, create the files it returns. */
export interface FileHelper {
  /** A handle on a file reference received as an input. Nothing is read until you ask. */
  open(ref: FileRef): PlugboardFile;
  /** Stores new content (streamed when given a stream) and returns the new file. */
  create(content: FileContent, options: CreateFileOptions): Promise<PlugboardFile>;
}

export function createFileHelper(transport: FileTransport, call: FileCallOptions): FileHelper {
  return {
    open: (ref) => new PlugboardFile(ref, transport, call),
    async create(content, options) {
      const meta = {
        name: options.name,
        contentType: options.contentType ?? 'application/octet-stream',
      };
      const ref = await transport.upload(await bytesFrom(content), meta, call);
      return new PlugboardFile(ref, transport, call);
    },
  };
}

async function bytesFrom(content: FileContent): Promise<FileBytes> {
  if (content instanceof PlugboardFile) {
    return bytesOf(content);
  }
  if (typeof content === 'string' || content instanceof Uint8Array) {
    return Readable.from([typeof content === 'string' ? Buffer.from(content) : content], {
      objectMode: false,
    });
  }
  return content;
}
