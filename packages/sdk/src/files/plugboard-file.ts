/**
 * @module PlugboardFile: a stored file a node can read, and what a node returns as a file output.
 */
import { Readable } from 'node:stream';
import type { FileRef } from '@plugboard/protocol';
import {
  joined,
  type FileBytes,
  type FileCallOptions,
  type FileTransport,
} from './file-transport.ts';

let downloadBytes: (file: PlugboardFile) => Promise<FileBytes>;

/** The bytes of `file` as the transport gives them, for `ctx.files.create` to pass on unadapted. */
export const bytesOf = (file: PlugboardFile): Promise<FileBytes> => downloadBytes(file);

/**
 * A file in platform storage. Its fields are the file reference, so returning it as a `file()`
 * output works as is; its methods read the bytes through the file bridge, streamed. To copy a file
 * unchanged, give it to `ctx.files.create` as it is: its bytes then go from the download straight
 * into the upload.
 */
export class PlugboardFile implements FileRef {
  /** The file's id in platform storage. */
  readonly id: string;
  /** The file's name as people see it. */
  readonly name: string;
  /** Its media type, e.g. `text/csv`. */
  readonly contentType: string;
  /** Its length in bytes, when known. */
  readonly size?: number;
  readonly #transport: FileTransport;
  readonly #call: FileCallOptions;

  /** @internal Made by `ctx.files.open` and `ctx.files.create`. */
  constructor(ref: FileRef, transport: FileTransport, call: FileCallOptions) {
    this.id = ref.id;
    this.name = ref.name;
    this.contentType = ref.contentType;
    if (ref.size !== undefined) {
      this.size = ref.size;
    }
    this.#transport = transport;
    this.#call = call;
  }

  /** The bytes as a web stream, read as they arrive; the way to handle files of any size. */
  async stream(): Promise<ReadableStream<Uint8Array>> {
    const body = await this.#download();
    if (body instanceof ReadableStream) {
      return body as ReadableStream<Uint8Array>;
    }
    return (
      body instanceof Readable ? Readable.toWeb(body) : ReadableStream.from(body)
    ) as ReadableStream<Uint8Array>;
  }

  /** The whole file in memory. Prefer `stream()` for files that may be large. */
  async bytes(): Promise<Uint8Array> {
    const chunks: Uint8Array[] = [];
    for await (const chunk of await this.#download()) {
      chunks.push(chunk);
    }
    return joined(chunks);
  }

  /** The whole file decoded as UTF-8. */
  async text(): Promise<string> {
    return new TextDecoder().decode(await this.bytes());
  }

  static {
    downloadBytes = (file) => file.#download();
  }

  async #download(): Promise<FileBytes> {
    const { body } = await this.#transport.download(this, this.#call);
    return body;
  }

  /** The file reference alone, as a file output is answered. */
  toJSON(): FileRef {
    return this.size === undefined
      ? { id: this.id, name: this.name, contentType: this.contentType }
      : { id: this.id, name: this.name, contentType: this.contentType, size: this.size };
  }
}
