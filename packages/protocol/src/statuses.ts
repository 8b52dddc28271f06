/**
 * @module The seven plugin statuses, exactly as the seed names them.
 */
import { z } from 'zod';

export const PLUGIN_STATUSES = [
  'installing',
  'running',
  'missing_config',
  'restarting',
  'error',
  'uninstalling',
  'uninstalled',
] as const;
export const pluginStatusSchema = z.enum(PLUGIN_STATUSES);
export type PluginStatus = z.infer<typeof pluginStatusSchema>;
