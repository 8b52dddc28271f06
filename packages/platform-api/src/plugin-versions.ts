/**
 * @module Plugin versions as the API shows them: what an update to another version would break,
 * per saved workflow, before anything moves; and what upgrading one workflow's pinned nodes did.
 */
import { z } from 'zod';
import { workflowSchema } from './workflows.ts';

export const versionChangeSchema = z
  .object({
    kind: z.string().describe('`input_removed`, `output_changed`, `node_removed`, …'),
    severity: z
      .enum(['breaking', 'possibly_breaking'])
      .describe('`possibly_breaking` when the schemas differ in a way the check cannot judge.'),
    node: z.string().optional().describe('The node of the old version concerned.'),
    message: z.string().describe('What changed and what to fix.'),
  })
  .meta({ id: 'PluginVersionChange' });
export type VersionChange = z.infer<typeof versionChangeSchema>;

export const affectedNodeSchema = z.object({
  nodeId: z.string(),
  type: z.string().describe('The node reference as saved, with its range.'),
  runsOn: z.string().optional().describe('The version it runs on today.'),
  moves: z
    .boolean()
    .describe(
      'Whether its range takes the new version, so it runs on it once that is current; a pinned node whose range does not take it stays where it is until the workflow is upgraded.',
    ),
  changes: z.array(
    versionChangeSchema.extend({
      reason: z.string().describe('What in this workflow the change reaches.'),
    }),
  ),
});

export const updateImpactSchema = z
  .object({
    pluginId: z.string(),
    fromVersion: z.string(),
    toVersion: z.string(),
    changes: z
      .array(versionChangeSchema)
      .describe('Every breaking change between the two manifests, used by a workflow or not.'),
    operator: z
      .array(versionChangeSchema)
      .describe('Changes to the plugin config and integrations, which the operator fixes.'),
    workflows: z
      .array(
        z.object({
          id: z.string(),
          name: z.string(),
          nodes: z.array(affectedNodeSchema),
        }),
      )
      .describe('Saved workflows with at least one node the new version breaks.'),
    breaks: z
      .number()
      .int()
      .describe(
        'Nodes that would run on the new version once it is current and break: making it current now breaks these workflows.',
      ),
  })
  .meta({ id: 'PluginUpdateImpact' });
export type UpdateImpact = z.infer<typeof updateImpactSchema>;

export const workflowUpgradeSchema = z
  .object({
    workflow: workflowSchema,
    upgraded: z
      .array(z.object({ nodeId: z.string(), from: z.string(), to: z.string() }))
      .describe('The node references rewritten.'),
  })
  .meta({ id: 'WorkflowUpgrade' });
export type WorkflowUpgrade = z.infer<typeof workflowUpgradeSchema>;
