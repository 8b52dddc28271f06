/**
 * @module The status webhook the Plugin Server posts to the platform at every status change.
 */
import { z } from 'zod';
import { manifestSchema, pluginStatusSchema } from '@plugboard/protocol';
import { sandboxReportSchema } from './plugin-view.ts';
import { installedVersionSchema } from './plugin-versions.ts';

export const statusEventSchema = z
  .object({
    type: z.literal('plugin.status'),
    pluginId: z.string(),
    status: pluginStatusSchema,
    epoch: z
      .number()
      .int()
      .nonnegative()
      .max(Number.MAX_SAFE_INTEGER)
      .default(0)
      .describe(
        'When the Plugin Server began numbering these statuses (ms since 1970): each start of it takes a later epoch, so its statuses are newer than any it sent before, even when the sequence it kept on disk fell behind (a full disk) or a folder starts afresh from 1.',
      ),
    sequence: z
      .number()
      .int()
      .positive()
      .max(2 ** 31 - 1)
      .describe(
        'Per plugin and epoch, increasing: an event is newer when its (epoch, sequence) is greater.',
      ),
    occurredAt: z.iso.datetime({ offset: true }).describe('When the status changed (ISO 8601).'),
    version: z.string().optional(),
    reason: z.string().optional(),
    restarts: z.number().int().nonnegative().optional(),
    logTail: z.array(z.string()).optional().describe('The last log lines, sent with `error`.'),
    manifest: manifestSchema
      .optional()
      .describe(
        'Sent with `running` (the nodes and integrations to register) and `missing_config` (the config schema to fill in).',
      ),
    sandbox: sandboxReportSchema
      .optional()
      .describe('Sent with `running` and `missing_config`: what confines the plugin process.'),
    versions: z
      .array(installedVersionSchema)
      .max(32)
      .optional()
      .describe(
        'Every version installed, with its manifest: the platform runs each workflow node on the highest callable version its range takes. Absent from servers that predate versions side by side.',
      ),
  })
  .meta({ id: 'PluginStatusEvent' });
export type StatusEvent = z.infer<typeof statusEventSchema>;

/** Where the platform receives status webhooks, relative to its base URL. */
export const STATUS_WEBHOOK_PATH = 'plugin-server/status';

/** The Plugin Server's answer to `POST /statuses/resync`. */
export const statusResyncSchema = z
  .object({
    resent: z
      .number()
      .int()
      .nonnegative()
      .describe('How many plugins had their current status sent again, as new events.'),
  })
  .meta({ id: 'StatusResync' });
export type StatusResync = z.infer<typeof statusResyncSchema>;
