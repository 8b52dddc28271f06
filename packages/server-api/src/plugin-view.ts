/**
 * @module What the API tells about a plugin: its status and why, where it runs, and how it has
 * behaved. Built from the live record; never carries tokens or secrets.
 */
import { z } from 'zod';
import { manifestSchema, pluginStatusSchema } from '@plugboard/protocol';
import { pluginGrantSchema } from './plugin-grant.ts';
import { pluginVersionViewSchema } from './plugin-versions.ts';

export const pluginErrorViewSchema = z.object({
  message: z.string(),
  code: z.string(),
  at: z.string(),
  logTail: z.array(z.string()).optional(),
});

/** What confines a plugin process: the layers that hold, and those missing with the reason. */
export const sandboxReportSchema = z
  .object({
    confined: z.array(z.string()),
    missing: z.array(z.object({ layer: z.string(), why: z.string() })),
  })
  .meta({ id: 'SandboxReport' });
export type SandboxReport = z.infer<typeof sandboxReportSchema>;

/** "confined: identity, files; missing: cpu (why)", for logs, the CLI and the UI. */
export function describeSandbox(report: {
  readonly confined: readonly string[];
  readonly missing: readonly { readonly layer: string; readonly why: string }[];
}): string {
  const held = report.confined.length === 0 ? 'nothing' : report.confined.join(', ');
  const lacking = report.missing.map((m) => `${m.layer} (${m.why})`).join('; ');
  return lacking === '' ? `confined: ${held}` : `confined: ${held}; missing: ${lacking}`;
}

export const pluginViewSchema = z
  .object({
    id: z.string(),
    version: z.string().optional(),
    status: pluginStatusSchema,
    reason: z
      .string()
      .optional()
      .describe('Why the plugin is in this status, when that is worth saying.'),
    source: z
      .record(z.string(), z.unknown())
      .optional()
      .describe('The source it was installed from, without tokens.'),
    grant: pluginGrantSchema
      .optional()
      .describe("What the platform's operator granted it beyond this server's settings."),
    pid: z.number().int().optional(),
    port: z.number().int().optional(),
    startedAt: z.string().optional(),
    restarts: z.number().int(),
    timeouts: z
      .number()
      .int()
      .optional()
      .describe(
        'Times its process was replaced because a call overran its deadline without answering.',
      ),
    sandbox: sandboxReportSchema
      .optional()
      .describe(
        'What confines the running process (identity, files, processes, network, memory, cpu).',
      ),
    lastError: pluginErrorViewSchema.optional(),
    versions: z
      .array(pluginVersionViewSchema)
      .optional()
      .describe('Every version installed, newest first; absent while none is.'),
  })
  .meta({ id: 'PluginStatusView' });
export type PluginView = z.infer<typeof pluginViewSchema>;

export const pluginDetailSchema = pluginViewSchema
  .extend({ manifest: manifestSchema.optional() })
  .meta({ id: 'PluginDetail' });
export type PluginDetail = z.infer<typeof pluginDetailSchema>;
