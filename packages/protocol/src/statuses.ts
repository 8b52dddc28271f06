/**
 * @module The seven plugin statuses, as every part of Plugboard names them.
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
