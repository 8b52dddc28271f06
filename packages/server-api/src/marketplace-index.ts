/**
 * @module The marketplace index: plugins with their versions, each pinned to an archive with an
 * integrity hash or to an exact git commit.
 */
import { permissionsSchema, resourcesSchema, semverSchema } from '@plugboard/protocol';
import { z } from 'zod';

export const marketplaceVersionSchema = z.object({
  version: semverSchema,
  resources: resourcesSchema
    .optional()
    .describe("From the version's manifest, so it shows before the install."),
  permissions: permissionsSchema
    .optional()
    .describe("From the version's manifest: what an operator must grant for it to run."),
  source: z.discriminatedUnion('type', [
    z.object({
      type: z.literal('archive'),
      url: z.string().min(1).describe('Absolute, or relative to the index URL.'),
      integrity: z.string().regex(/^sha256-[A-Za-z0-9+/]{43}=$/, {
        message: 'use sha256-<base64>, as printed by plugboard plugin pack',
      }),
    }),
    z.object({
      type: z.literal('git'),
      url: z.string().min(1),
      commit: z.string().regex(/^[0-9a-f]{40}$/, { message: 'pin a full 40-character commit' }),
      subdirectory: z.string().min(1).optional(),
    }),
  ]),
});

export const marketplaceIndexSchema = z
  .object({
    formatVersion: z.literal(1),
    plugins: z.array(
      z.object({
        name: z.string().min(1),
        displayName: z.string().optional(),
        description: z.string().default(''),
        versions: z.array(marketplaceVersionSchema).min(1),
      }),
    ),
  })
  .meta({ id: 'MarketplaceIndex' });

export type MarketplaceIndex = z.infer<typeof marketplaceIndexSchema>;
export type MarketplaceVersion = z.infer<typeof marketplaceVersionSchema>;
