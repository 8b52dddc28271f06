/**
 * @module A FileTransport that keeps files in memory: the test harness's stand-in for the bridge.
 */
import { randomUUID } from 'node:crypto';
import type { FileRef } from '@plugboard/protocol';
import { PluginFailure } from '../dispatch/plugin-failure.ts';
import { joined, type FileBytes, type FileTransport } from './file-transport.ts';

/**
 * `harness.files`: the test harness's file storage. Add the files a node takes as inputs, read the
 * ones it created; a node's `ctx.files` reads and writes here, through `download` and `upload`,
 * which a test may replace (to stream a file too big to keep, say).
 */
export interface MemoryFileStore extends FileTransport {
  /**
   * Stores content and returns its reference, as the platform would for an uploaded file: pass it
   * as a `file()` input.
   */
  add(content: string | Uint8Array, meta: { name: string; contentType?: string }): FileRef;
  /** The stored bytes of a file, e.g. one a node created. */
  read(ref: FileRef): Uint8Array;
  /** The stored bytes of a file decoded as UTF-8. */
  readText(ref: FileRef): string;
}

export function createMemoryFileStore(): MemoryFileStore {
  const files = new Map<string, { ref: FileRef; bytes: Uint8Array }>();
  const put = (bytes: Uint8Array, name: string, contentType: string): FileRef => {
    const ref = { id: randomUUID(), name, contentType, size: bytes.byteLength };
    files.set(ref.id, { ref, bytes });
    return ref;
  };
  const get = (ref: FileRef) => {
    const entry = files.get(ref.id);
    if (entry === undefined) {
      throw new PluginFailure({
        code: 'FILE_NOT_FOUND',
        kind: 'user',
        status: 404,
        retryable: false,
        message: `no file ${ref.id} in the test harness; add it with harness.files.add(...)`,
      });
    }
    return entry;
  };
  return {
    add: (content, meta) =>
      put(
        typeof content === 'string' ? new TextEncoder().encode(content) : content,
        meta.name,
        meta.contentType ?? 'application/octet-stream',
      ),
    read: (ref) => get(ref).bytes,
    readText: (ref) => new TextDecoder().decode(get(ref).bytes),
    download(ref) {
      return Promise.resolve({ body: new Blob([get(ref).bytes]).stream() });
    },
    async upload(body, meta) {
      return put(await readWhole(body), meta.name, meta.contentType);
    },
  };
}

async function readWhole(body: FileBytes): Promise<Uint8Array> {
  const chunks: Uint8Array[] = [];
  for await (const chunk of body) {
    chunks.push(chunk);
  }
  return joined(chunks);
}
