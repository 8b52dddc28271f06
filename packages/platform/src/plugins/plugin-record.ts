/**
 * @module A plugin record as the platform keeps it (desired state: source, version, config and the
 * status the Plugin Server last reported) and as the API shows it (no tokens, no secrets).
 */
import {
  manifestSchema,
  pluginStatusSchema,
  type Manifest,
  type PluginStatus,
} from '@plugboard/protocol';
import {
  pluginGrantSchema,
  sandboxReportSchema,
  type PluginGrant,
  type PluginSource,
  type SandboxReport,
} from '@plugboard/server-api';
import { z } from 'zod';

export interface PluginRecord {
  readonly id: string;
  readonly status: PluginStatus;
  /** Without the git token, which is sealed apart. */
  readonly source: PluginSource;
  /** Whether a git token is sealed with it (the view shows it masked). */
  readonly hasSourceToken: boolean;
  readonly version: string | undefined;
  readonly manifest: Manifest | undefined;
  /** What confines its process, as the Plugin Server last reported. */
  readonly sandbox: SandboxReport | undefined;
  /** What the operator granted it beyond the Plugin Server's own settings. */
  readonly grant: PluginGrant;
  readonly reason: string | undefined;
  readonly logTail: string[] | undefined;
  readonly restarts: number;
  readonly lastSequence: number;
  readonly createdAt: string;
  readonly updatedAt: string;
}

export const MASKED = '********';

export const pluginRecordViewSchema = z
  .object({
    id: z.string(),
    status: pluginStatusSchema,
    version: z.string().optional(),
    source: z
      .record(z.string(), z.unknown())
      .describe('Where it is installed from, without tokens.'),
    config: z
      .record(z.string(), z.unknown())
      .describe(`The plugin configuration; secret fields read "${MASKED}".`),
    reason: z.string().optional().describe('Why it is in this status (with `error`, the cause).'),
    logTail: z.array(z.string()).optional().describe('The last log lines sent with `error`.'),
    restarts: z.number().int(),
    nodes: z.array(z.string()).describe('Node types it registered (empty until `running`).'),
    manifest: manifestSchema.optional(),
    asks: z
      .array(z.string())
      .describe(
        'What its manifest asks for beyond the sandbox (network, child processes, resources); it runs only once the operator has granted all of it.',
      ),
    grant: pluginGrantSchema.describe(
      "What the operator granted it (PUT /api/plugins/{id}/grant), on top of the Plugin Server's own settings (which alone set resources and host environment variables).",
    ),
    sandbox: sandboxReportSchema
      .optional()
      .describe(
        'What confines its process (identity, files, processes, network, memory, cpu), and what is missing on its host.',
      ),
    createdAt: z.string(),
    updatedAt: z.string(),
  })
  .meta({ id: 'PluginRecord' });
export type PluginRecordView = z.infer<typeof pluginRecordViewSchema>;

/** The source as the API shows it: a git token, given or sealed apart, reads masked. */
export function redactSource(
  source: PluginSource,
  hasSealedToken = false,
): Record<string, unknown> {
  if (source.type !== 'git') {
    return { ...source };
  }
  const { token, ...rest } = source;
  return token === undefined && !hasSealedToken ? rest : { ...rest, token: MASKED };
}
