/**
 * @module A stored file as the API shows it: the protocol's FileRef (how nodes and run inputs
 * refer to it) and the fuller metadata a user can look up.
 */
import { fileRefSchema } from '@plugboard/protocol';
import { z } from 'zod';

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
