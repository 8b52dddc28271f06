/**
 * @module Credentials as the API shows them: which plugin integration they are for and their
 * name, never their values.
 */
import { z } from 'zod';

export const credentialViewSchema = z
  .object({
    id: z.string(),
    pluginId: z.string(),
    integration: z.string(),
    name: z.string(),
    createdAt: z.string(),
    updatedAt: z.string(),
  })
  .meta({ id: 'Credential' });
export const checkedCredentialSchema = credentialViewSchema
  .extend({ ready: z.literal(true).describe("The plugin's ready check accepted them.") })
  .meta({ id: 'CheckedCredential' });
export type CredentialView = z.output<typeof credentialViewSchema>;
