/**
 * @module How stored files appear in API answers: the protocol's FileRef for references, and the
 * fuller metadata (hash, creator, run) a user can look up.
 */
import type { FileMeta } from '@plugboard/platform-api';
import type { StoredFile } from './file-store.ts';

export function toFileMeta(file: StoredFile): FileMeta {
  return {
    id: file.id,
    name: file.name,
    contentType: file.contentType,
    size: file.size,
    sha256: file.sha256,
    createdBy: file.createdBy,
    ...(file.runId === undefined ? {} : { runId: file.runId }),
    createdAt: file.createdAt,
  };
}
