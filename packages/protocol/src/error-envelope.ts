/**
 * @module The one JSON error body every Plugboard API answers with.
 */
import { z } from 'zod';

/** Who must act on an error: the caller, the operator's environment, the plugin's author, or us. */
export const ERROR_KINDS = ['user', 'operational', 'plugin', 'internal'] as const;
export type ErrorKind = (typeof ERROR_KINDS)[number];

export const issueSchema = z
  .object({
    path: z
      .array(z.union([z.string(), z.number()]))
      .describe('Where the problem is, from the root of the checked value.'),
    message: z.string(),
    code: z.string().optional(),
  })
  .meta({ id: 'Issue' });
export type Issue = z.infer<typeof issueSchema>;

export const errorEnvelopeSchema = z
  .object({
    error: z.object({
      code: z.string().describe('Stable, machine-readable code; never reused for another meaning.'),
      kind: z.enum(ERROR_KINDS),
      message: z.string().describe('What went wrong and what to do about it.'),
      retryable: z.boolean().describe('Whether the same request may succeed if sent again later.'),
      details: z.record(z.string(), z.unknown()).optional(),
    }),
  })
  .meta({ id: 'ErrorEnvelope' });
export type ErrorEnvelope = z.infer<typeof errorEnvelopeSchema>;
