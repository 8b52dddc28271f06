/**
 * @module The port through which the file helper moves bytes: over HTTP to the Plugin Server's
 * file bridge in a plugin process, in memory in the test harness.
 */
import type { FileRef } from '@plugboard/protocol';

interface FileDownload {
  readonly body: ReadableStream<Uint8Array>;
}

interface FileUploadMeta {
  readonly name: string;
  readonly contentType: string;
}

export interface FileCallOptions {
  /** The per-call token of the execution doing the transfer. */
  readonly callToken: string | undefined;
  readonly signal: AbortSignal;
}

export interface FileTransport {
  download(ref: FileRef, options: FileCallOptions): Promise<FileDownload>;
  upload(
    body: ReadableStream<Uint8Array>,
    meta: FileUploadMeta,
    options: FileCallOptions,
  ): Promise<FileRef>;
}
