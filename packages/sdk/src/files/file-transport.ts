/**
 * @module The port through which the file helper moves bytes: over HTTP to the Plugin Server's
 * file bridge in a plugin process, in memory in the test harness.
 */
import type { FileRef } from '@plugboard/protocol';

/**
 * Bytes as a transport moves them. Node streams and web streams both fit; the HTTP transport
 * answers Node streams, so a file piped from a download into an upload never passes through a
 * web stream, whose per-chunk promises cost more than the copy itself.
 */
export type FileBytes = AsyncIterable<Uint8Array>;

/** What a download answers: the file's bytes, streamed. */
export interface FileDownload {
  /** The bytes, read as they arrive. */
  readonly body: FileBytes;
}

/** What an upload says about the new file. */
export interface FileUploadMeta {
  /** The file's name as people see it. */
  readonly name: string;
  /** Its media type. */
  readonly contentType: string;
}

/** Who transfers a file, and until when. */
export interface FileCallOptions {
  /** The per-call token of the execution doing the transfer. */
  readonly callToken: string | undefined;
  /** Aborts the transfer with the call. */
  readonly signal: AbortSignal;
}

/**
 * How `ctx.files` moves bytes: through the Plugin Server's file bridge in a plugin process, in
 * memory in the test harness.
 */
export interface FileTransport {
  /** The bytes of a stored file. */
  download(ref: FileRef, options: FileCallOptions): Promise<FileDownload>;
  /** Stores the bytes as a new file and answers its reference. */
  upload(body: FileBytes, meta: FileUploadMeta, options: FileCallOptions): Promise<FileRef>;
}

/**
 * Chunks joined into one Uint8Array that owns its memory: a plain one, as bytes are given (a Buffer
 * would not compare equal to one), and never a view into Node's shared pool of small buffers, which
 * a caller passing `.buffer` on would expose or fail to transfer.
 */
export function joined(chunks: readonly Uint8Array[]): Uint8Array {
  const whole = new Uint8Array(chunks.reduce((size, chunk) => size + chunk.byteLength, 0));
  let at = 0;
  for (const chunk of chunks) {
    whole.set(chunk, at);
    at += chunk.byteLength;
  }
  return whole;
}
