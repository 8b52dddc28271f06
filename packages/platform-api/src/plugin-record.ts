/**
 * @module A plugin record as the API shows it: desired state (source, version, config, grant)
 * and the status its Plugin Server last reported; no tokens, secrets masked.
 */
import { manifestSchema, pluginStatusSchema } from '@plugboard/protocol';
import {
  MASKED,
  pluginGrantSchema,
  pluginVersionViewSchema,
  sandboxReportSchema,
} from '@plugboard/server-api';

export { MASKED };
import { z } from 'zod';

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
    versions: z
      .array(pluginVersionViewSchema.omit({ source: true }).extend({ nodes: z.array(z.string()) }))
      .describe(
        'Every version its Plugin Server holds installed, newest first, with the node types each has.',
      ),
    createdAt: z.string(),
    updatedAt: z.string(),
  })
  .meta({ id: 'PluginRecord' });
export type PluginRecordView = z.infer<typeof pluginRecordViewSchema>;
