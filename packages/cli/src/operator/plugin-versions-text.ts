/**
 * @module Plugin versions as text for people: what an update would break (per workflow node,
 * whether it moves to the new version or stays pinned on the old one), the versions a plugin has
 * installed, and the node references a workflow upgrade rewrote.
 */
import type { PluginRecordView, UpdateImpact, WorkflowUpgrade } from '@plugboard/platform-api';
import { formatTable } from './format.ts';

type Change = UpdateImpact['changes'][number];

const plural = (n: number, one: string, many = `${one}s`) => `${String(n)} ${n === 1 ? one : many}`;

function severity(change: Change): string {
  return change.severity === 'breaking' ? '[breaking]' : '[possibly breaking]';
}

function changeLine(change: Change): string {
  // Most messages name their node already.
  const node =
    change.node === undefined || change.message.includes(`"${change.node}"`)
      ? ''
      : ` node ${change.node}:`;
  return `  - ${severity(change)}${node} ${change.message}`;
}

/** What making `toVersion` current would do, every workflow node it reaches, and the verdict. */
export function formatImpact(impact: UpdateImpact): string {
  const { pluginId, fromVersion: from, toVersion: to } = impact;
  const lines = [`${pluginId} ${from} → ${to}`];
  if (impact.changes.length === 0) {
    lines.push('No breaking changes between the two versions.');
  } else {
    const breaking = impact.changes.filter((c) => c.severity === 'breaking').length;
    lines.push(
      `Changes: ${String(breaking)} breaking, ${String(impact.changes.length - breaking)} possibly breaking`,
      ...impact.changes.map(changeLine),
    );
  }
  if (impact.operator.length > 0) {
    lines.push(
      'For the operator (plugin config and integrations):',
      ...impact.operator.map(changeLine),
    );
  }
  let pinned = 0;
  if (impact.workflows.length === 0) {
    lines.push('No saved workflow uses what changed.');
  } else {
    lines.push(`Workflows it reaches (${String(impact.workflows.length)}):`);
    for (const workflow of impact.workflows) {
      lines.push(`  ${workflow.name} (${workflow.id})`);
      for (const node of workflow.nodes) {
        const on = node.runsOn ?? from;
        if (!node.moves) {
          pinned += 1;
        }
        const fate = node.moves
          ? `moves to ${to}${node.changes.length === 0 ? '' : ` and ${breaks(node.changes) ? 'breaks' : 'may break'}`}`
          : `stays pinned on ${on} (its range does not take ${to})`;
        lines.push(`    ${node.nodeId} (${node.type}, runs on ${on}): ${fate}`);
        for (const change of node.changes) {
          lines.push(
            `      - ${severity(change)} ${change.message}`,
            `        in this workflow: ${change.reason}`,
          );
        }
      }
    }
  }
  lines.push(
    impact.breaks > 0
      ? `${plural(impact.breaks, 'workflow node')} would break on ${to} once it is current.`
      : `No saved workflow node would break on ${to}.`,
  );
  if (pinned > 0) {
    lines.push(
      `${plural(pinned, 'node')} ${pinned === 1 ? 'stays' : 'stay'} on ${from} until ${pinned === 1 ? 'its' : 'their'} workflow is upgraded: plugboard workflows upgrade <workflow> --plugin ${pluginId} --version ${to}`,
    );
  }
  return lines.join('\n');
}

function breaks(changes: readonly Change[]): boolean {
  return changes.some((c) => c.severity === 'breaking');
}

/** One row per installed version, newest first: version, state, running, installed, nodes, why. */
export function formatVersions(record: PluginRecordView): string {
  if (record.versions.length === 0) {
    return `${record.id} has no version installed.`;
  }
  return formatTable(
    [
      { header: 'VERSION' },
      { header: 'STATE' },
      { header: 'RUNNING' },
      { header: 'INSTALLED' },
      { header: 'NODES', align: 'right' },
      { header: 'REASON', max: 60 },
    ],
    record.versions.map((v) => [
      v.version,
      v.state,
      v.running ? 'yes' : 'no',
      timestamp(v.installedAt),
      String(v.nodes.length),
      v.reason ?? '',
    ]),
  );
}

/** `2026-12-06T14:01:17.123Z` as `2026-12-06 14:01:17Z`. */
function timestamp(iso: string): string {
  return iso.replace('T', ' ').replace(/\.\d+Z$|Z$/, 'Z');
}

/** The references a workflow upgrade rewrote, one per line. */
export function formatUpgrade(answer: WorkflowUpgrade, pluginId: string): string {
  const { workflow, upgraded } = answer;
  if (upgraded.length === 0) {
    return `No node of "${workflow.name}" (${workflow.id}) needed a new reference to ${pluginId}.`;
  }
  return [
    `Upgraded ${plural(upgraded.length, 'node')} of "${workflow.name}" (${workflow.id}):`,
    ...upgraded.map((u) => `  ${u.nodeId}: ${u.from} → ${u.to}`),
  ].join('\n');
}
