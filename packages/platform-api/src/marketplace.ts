/**
 * @module The marketplace as the API lists it: each plugin's versions, what it asks an operator
 * to grant, and what of it is installed here.
 */
import { z } from 'zod';

export const marketplaceListingSchema = z
  .object({
    source: z.string().describe('Where the index was read from.'),
    plugins: z.array(
      z.object({
        name: z.string(),
        displayName: z.string(),
        description: z.string(),
        versions: z
          .array(z.string())
          .describe('Oldest first, by semantic-version precedence (then build metadata).'),
        latest: z
          .string()
          .describe(
            'The highest release (the highest pre-release when there are only pre-releases): what an install naming no version gets.',
          ),
        asks: z
          .array(z.string())
          .describe(
            'What the latest version asks an operator to grant beyond the sandbox (network, child processes, resources).',
          ),
        installed: z
          .object({
            status: z.string(),
            version: z.string().optional(),
            asks: z
              .array(z.string())
              .optional()
              .describe('What the installed version asks for, when its manifest is known.'),
          })
          .optional()
          .describe('The plugin record of that id, when there is one not uninstalled.'),
      }),
    ),
  })
  .meta({ id: 'MarketplaceListing' });
export type MarketplaceListing = z.output<typeof marketplaceListingSchema>;
export type MarketplacePlugin = MarketplaceListing['plugins'][number];
