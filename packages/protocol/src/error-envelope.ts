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

/** The fields every coded error carries, whichever package's error class holds them. */
export interface CodedError {
  readonly code: string;
  readonly kind: ErrorKind;
  readonly message: string;
  readonly retryable: boolean;
  readonly details?: Record<string, unknown> | undefined;
}

/** The one envelope, built the same way by every service (no `details` key when there are none). */
export function toErrorEnvelope(error: CodedError): ErrorEnvelope {
  return {
    error: {
      code: error.code,
      kind: error.kind,
      message: error.message,
      retryable: error.retryable,
      ...(error.details === undefined ? {} : { details: error.details }),
    },
  };
}
