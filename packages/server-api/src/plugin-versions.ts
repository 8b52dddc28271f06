/**
 * @module The versions of one plugin a Plugin Server holds installed, side by side: which one is
 * current, which stay callable for workflows pinned to them, which wait to be made current, and
 * which were rolled back. The Plugin Server owns these states; the platform reads them from the
 * status webhook and resolves each workflow node's range against them.
 */
import { z } from 'zod';
import { manifestSchema } from '@plugboard/protocol';
import { compareVersions } from './versions.ts';

export const PLUGIN_VERSION_STATES = ['current', 'kept', 'staged', 'rolled_back'] as const;

export const pluginVersionStateSchema = z
  .enum(PLUGIN_VERSION_STATES)
  .describe(
    '`current`: serves new workflows and always runs. `kept`: a former current version, still callable by workflows pinned to it (started on their first call, stopped when idle). `staged`: installed beside the current one and not called until made current. `rolled_back`: left by a rollback, not called until made current again.',
  )
  .meta({ id: 'PluginVersionState' });
export type PluginVersionState = z.infer<typeof pluginVersionStateSchema>;

/** States whose versions a workflow node may run on. */
export const CALLABLE_VERSION_STATES: readonly PluginVersionState[] = ['current', 'kept'];

export const pluginVersionViewSchema = z
  .object({
    version: z.string(),
    state: pluginVersionStateSchema,
    running: z.boolean().describe('Whether a process of this version runs now.'),
    installedAt: z.string(),
    source: z.record(z.string(), z.unknown()).describe('Where it came from, without tokens.'),
    reason: z
      .string()
      .optional()
      .describe('Why it is in this state, when that is worth saying (a rollback, say).'),
  })
  .meta({ id: 'PluginVersionView' });
export type PluginVersionView = z.infer<typeof pluginVersionViewSchema>;

/** What the status webhook carries per version: the view and the manifest it was installed with. */
export const installedVersionSchema = pluginVersionViewSchema
  .extend({ manifest: manifestSchema })
  .meta({ id: 'InstalledPluginVersion' });
export type InstalledVersion = z.infer<typeof installedVersionSchema>;

/**
 * The header a forwarded call names the plugin version it is for with; without it the call goes
 * to the current version.
 */
export const PLUGIN_VERSION_HEADER = 'x-plugboard-plugin-version';

/**
 * What a rollback with no target returns to: the highest kept version below the current one,
 * else the highest kept one at all (a current version that was itself a downgrade).
 */
export function previousVersion<V extends { readonly version: string; readonly state: string }>(
  versions: readonly V[],
): V | undefined {
  const current = versions.find((v) => v.state === 'current');
  const kept = versions
    .filter((v) => v.state === 'kept')
    .sort((a, b) => compareVersions(b.version, a.version));
  return (
    kept.find((v) => current === undefined || compareVersions(v.version, current.version) < 0) ??
    kept[0]
  );
}
