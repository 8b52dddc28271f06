/**
 * @module How stored files appear in API answers: the protocol's FileRef for references, and the
 * fuller metadata (hash, creator, run) a user can look up.
 */
import { fileRefSchema } from '@plugboard/protocol';
import { z } from 'zod';
import type { StoredFile } from './file-store.ts';

export const fileMetaSchema = fileRefSchema
  .extend({
    size: z.number().int().nonnegative(),
    sha256: z.string().describe('Hex SHA-256 of the bytes.'),
    createdBy: z.string().describe('`user`, or `plugin:<id>` for a file a node stored.'),
    runId: z.string().optional().describe('The run whose node stored it.'),
    createdAt: z.string(),
  })
  .meta({ id: 'FileMeta' });
export type FileMeta = z.infer<typeof fileMetaSchema>;

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
