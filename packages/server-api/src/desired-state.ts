/**
 * @module The desired state the platform holds: which plugins, at which version, from which
 * source, with which config, and the status its records say they should have.
 */
import { z } from 'zod';
import { pluginIdSchema, pluginStatusSchema } from '@plugboard/protocol';
import { pluginGrantSchema } from './plugin-grant.ts';
import { pluginSourceSchema } from './plugin-source.ts';

export const desiredPluginSchema = z.object({
  id: pluginIdSchema,
  version: z.string().min(1).max(64).optional(),
  source: pluginSourceSchema,
  config: z.record(z.string(), z.unknown()).optional(),
  grant: pluginGrantSchema.optional(),
  status: pluginStatusSchema.describe(
    "The platform record's status; `uninstalling` asks for removal.",
  ),
});
export type DesiredPlugin = z.infer<typeof desiredPluginSchema>;

export const desiredStateSchema = z
  .object({ plugins: z.array(desiredPluginSchema) })
  .meta({ id: 'DesiredState' });
export type DesiredState = z.infer<typeof desiredStateSchema>;

export const RECONCILE_ACTIONS = [
  'install',
  'update',
  'restart',
  'configure',
  'grant',
  'uninstall',
  'mark-uninstalled',
  'remove',
  'wait',
  'failed',
  'none',
] as const;

export const reconcileReportSchema = z
  .object({
    durationMs: z.number(),
    actions: z.array(
      z.object({ id: z.string(), action: z.enum(RECONCILE_ACTIONS), reason: z.string() }),
    ),
  })
  .meta({ id: 'ReconcileReport' });
export type ReconcileReport = z.infer<typeof reconcileReportSchema>;
export type ReconcileAction = ReconcileReport['actions'][number];

/** Where the platform serves the desired state, relative to its base URL. */
export const DESIRED_STATE_PATH = 'plugin-server/desired';
