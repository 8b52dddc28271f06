/**
 * @module What making an installed version of a plugin current would break, before anything
 * moves: the changes between the manifests, and for every saved workflow the nodes they reach.
 * Each node is compared from the version it runs on today (a node pinned to a kept version runs
 * on that one), and marked as moving when its range takes the new version.
 */
import type { Manifest } from '@plugboard/protocol';
import { parseNodeRef, type UpdateImpact, type VersionChange } from '@plugboard/platform-api';
import { highestSatisfying, isVersionRange } from '@plugboard/server-api';
import { PlatformError } from '../errors.ts';
import type { NodeRegistry } from '../nodes/node-registry.ts';
import { affectedWorkflowNodes } from '../workflows/workflow-update-impact.ts';
import type { Workflow } from '../workflows/workflow-repository.ts';
import type { PluginRecord } from './plugin-record.ts';
import {
  checkPluginVersionCompatibility,
  type BreakingChange,
  type PluginVersionCompatibility,
} from './plugin-version-compatibility.ts';

export function updateImpact(input: {
  readonly record: PluginRecord;
  readonly version: string;
  readonly workflows: readonly Workflow[];
  readonly registry: NodeRegistry;
}): UpdateImpact {
  const { record, version, registry } = input;
  const manifestOf = (v: string): Manifest | undefined =>
    record.versions.find((installed) => installed.version === v)?.manifest ??
    (record.manifest?.version === v ? record.manifest : undefined);
  const to = manifestOf(version);
  const from = record.manifest;
  if (to === undefined || from === undefined) {
    throw new PlatformError(
      'PLAT_NOT_FOUND',
      to === undefined
        ? `version ${version} of plugin "${record.id}" is not installed (installed: ${record.versions.map((v) => v.version).join(', ') || 'none reported yet'}); install it beside the current one first (update with activate false)`
        : `plugin "${record.id}" has no current version to compare with`,
    );
  }
  const reports = new Map<string, PluginVersionCompatibility>();
  const reportFrom = (v: string): PluginVersionCompatibility | undefined => {
    let report = reports.get(v);
    const manifest = manifestOf(v);
    if (report === undefined && manifest !== undefined) {
      report = checkPluginVersionCompatibility(manifest, to);
      reports.set(v, report);
    }
    return report;
  };
  const main = reportFrom(from.version) ?? checkPluginVersionCompatibility(from, to);
  const workflows = input.workflows.flatMap((workflow) => {
    const nodes = workflow.graph.nodes.flatMap((node) => {
      const ref = parseNodeRef(node.type);
      if (ref.prefix !== record.id) {
        return [];
      }
      const runsOn =
        ref.range === undefined ? from.version : registry.resolve(record.id, ref.range);
      const report = runsOn === undefined ? undefined : reportFrom(runsOn);
      const changes =
        report === undefined
          ? []
          : affectedWorkflowNodes(report, { nodes: [node], edges: workflow.graph.edges });
      if (changes.length === 0) {
        return [];
      }
      const moves =
        ref.range === undefined ||
        (isVersionRange(ref.range) && highestSatisfying([version], ref.range) !== undefined);
      return [
        {
          nodeId: node.id,
          type: node.type,
          ...(runsOn === undefined ? {} : { runsOn }),
          moves,
          changes: changes.map((c) => ({ ...changeView(c.change, ref.name), reason: c.reason })),
        },
      ];
    });
    return nodes.length === 0 ? [] : [{ id: workflow.id, name: workflow.name, nodes }];
  });
  return {
    pluginId: record.id,
    fromVersion: from.version,
    toVersion: version,
    changes: main.nodes.flatMap((n) => n.changes.map((c) => changeView(c, n.node))),
    operator: main.operator.map((c) => changeView(c, undefined)),
    workflows,
    breaks: workflows.reduce((sum, w) => sum + w.nodes.filter((n) => n.moves).length, 0),
  };
}

function changeView(change: BreakingChange, node: string | undefined): VersionChange {
  return {
    kind: change.kind,
    severity: change.severity,
    ...(node === undefined ? {} : { node }),
    message: change.message,
  };
}
