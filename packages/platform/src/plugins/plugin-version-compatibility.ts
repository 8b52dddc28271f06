/**
 * @module What moving a plugin from one version to another would break, read from the two
 * manifests alone: for each node of the old version, the changes that can break a saved workflow
 * using it (the node or an integration gone, inputs, outputs and config no longer fitting), and
 * apart from them the changes the operator must deal with (plugin config, integrations and their
 * credential forms). Additions, looser schemas and changed descriptions or defaults are not
 * listed. Which saved workflows a change reaches is `workflow-update-impact.ts`'s question.
 */
import type { JsonSchema, Manifest, NodeManifest } from '@plugboard/protocol';
import { compareSchemaVersions } from '../json-schema/schema-compatibility.ts';
import type { SchemaFinding, SchemaRole, Severity } from '../json-schema/schema-walk.ts';

type BreakingChangeKind =
  | 'node_removed'
  | 'node_integration_removed'
  | 'node_integration_added'
  | 'input_removed'
  | 'input_required'
  | 'input_narrowed'
  | 'output_removed'
  | 'output_changed'
  | 'config_field_removed'
  | 'config_field_required'
  | 'config_narrowed'
  | 'plugin_config_field_removed'
  | 'plugin_config_field_required'
  | 'plugin_config_narrowed'
  | 'integration_removed'
  | 'credentials_field_removed'
  | 'credentials_field_required'
  | 'credentials_narrowed';

export interface BreakingChange {
  readonly kind: BreakingChangeKind;
  /** `possibly_breaking` when the schemas differ in a way the check cannot judge. */
  readonly severity: Severity;
  /** The input, output or config field concerned; absent when the change is to the whole. */
  readonly name?: string;
  /** The integration concerned, for integration and credential changes. */
  readonly integration?: string;
  /** Where in the schema, from its root: the name, then nested properties (`[]`: array items). */
  readonly path: readonly string[];
  /** What changed and what to fix, for the person who has to fix it. */
  readonly message: string;
}

interface NodeCompatibility {
  /** The node's name in the old version (workflows refer to it as `<pluginId>/<name>`). */
  readonly node: string;
  readonly changes: readonly BreakingChange[];
}

export interface PluginVersionCompatibility {
  readonly pluginId: string;
  readonly fromVersion: string;
  readonly toVersion: string;
  /** Nodes of the old version with at least one change; workflow authors fix these. */
  readonly nodes: readonly NodeCompatibility[];
  /** Plugin config and integrations; the operator fixes these, and every node depends on them. */
  readonly operator: readonly BreakingChange[];
}

/** How one kind of schema's findings read: its kinds, what its entries are called, the fix. */
interface SchemaPart {
  readonly role: SchemaRole;
  readonly removed: BreakingChangeKind;
  readonly required: BreakingChangeKind;
  readonly other: BreakingChangeKind;
  /** `input "text" of node "shout"`, or the whole schema when `name` is undefined. */
  readonly label: (name: string | undefined) => string;
  readonly fix: Readonly<Record<'removed' | 'required' | 'other', string>>;
}

function nodeParts(node: string): Record<'inputs' | 'outputs' | 'config', SchemaPart> {
  const of = `of node "${node}"`;
  return {
    inputs: {
      role: 'accepts',
      removed: 'input_removed',
      required: 'input_required',
      other: 'input_narrowed',
      label: (name) => (name === undefined ? `the inputs ${of}` : `input "${name}" ${of}`),
      fix: {
        removed: 'remove the edge into it',
        required: 'connect an edge into it',
        other: 'check that what feeds it still fits, or convert the value in between',
      },
    },
    outputs: {
      role: 'gives',
      removed: 'output_removed',
      required: 'output_changed',
      other: 'output_changed',
      label: (name) => (name === undefined ? `the outputs ${of}` : `output "${name}" ${of}`),
      fix: {
        removed: 'connect the edges from it to another output',
        required: 'check that the inputs it feeds still take its values',
        other: 'check that the inputs it feeds still take its values',
      },
    },
    config: {
      role: 'accepts',
      removed: 'config_field_removed',
      required: 'config_field_required',
      other: 'config_narrowed',
      label: (name) => (name === undefined ? `the config ${of}` : `config field "${name}" ${of}`),
      fix: {
        removed: 'its saved value is dropped, so review the node’s settings',
        required: 'set it in the node’s settings',
        other: 'check that the saved value still fits',
      },
    },
  };
}

const PLUGIN_CONFIG: SchemaPart = {
  role: 'accepts',
  removed: 'plugin_config_field_removed',
  required: 'plugin_config_field_required',
  other: 'plugin_config_narrowed',
  label: (name) => (name === undefined ? 'the plugin config' : `plugin config field "${name}"`),
  fix: {
    removed: 'its saved value is dropped; review the plugin’s configuration',
    required: 'set it in the plugin’s configuration',
    other: 'check that the configured value still fits',
  },
};

function credentialsPart(integration: string): SchemaPart {
  const of = `of integration "${integration}"`;
  return {
    role: 'accepts',
    removed: 'credentials_field_removed',
    required: 'credentials_field_required',
    other: 'credentials_narrowed',
    label: (name) =>
      name === undefined ? `the credentials ${of}` : `credential field "${name}" ${of}`,
    fix: {
      removed: 'its saved value is dropped; review the saved credentials',
      required: 'add it to every saved set of credentials',
      other: 'check that the saved credentials still fit',
    },
  };
}

function findingChange(part: SchemaPart, finding: SchemaFinding): BreakingChange {
  const [name] = finding.path;
  const top = finding.path.length === 1;
  const which =
    top && finding.change === 'removed'
      ? 'removed'
      : top && finding.change === 'required'
        ? 'required'
        : 'other';
  const nested = finding.path.slice(1).join('.');
  const aboutProperty = finding.change === 'removed' || finding.change === 'required';
  const where = nested === '' ? '' : aboutProperty ? `: "${nested}"` : ` at ${nested}`;
  const what = aboutProperty
    ? `${where} ${finding.message}`
    : ` changed${where}: ${finding.message}`;
  const doubt =
    finding.severity === 'possibly_breaking' ? ' (may break; the check cannot tell)' : '';
  return {
    kind: part[which],
    severity: finding.severity,
    ...(name === undefined ? {} : { name }),
    path: finding.path,
    message: `${part.label(name)}${what}${doubt}; ${part.fix[which]}`,
  };
}

function schemaChanges(part: SchemaPart, before: JsonSchema, after: JsonSchema): BreakingChange[] {
  return compareSchemaVersions(before, after, part.role).map((f) => findingChange(part, f));
}

function nodeChanges(from: Manifest, old: NodeManifest, to: Manifest): BreakingChange[] {
  const next = to.nodes.find((n) => n.name === old.name);
  if (next === undefined) {
    return [
      {
        kind: 'node_removed',
        severity: 'breaking',
        path: [],
        message: `node "${old.name}" is gone in version ${to.version}; replace "${from.id}/${old.name}" in the workflows that use it`,
      },
    ];
  }
  const parts = nodeParts(old.name);
  const changes = [
    ...schemaChanges(parts.inputs, old.inputs, next.inputs),
    ...schemaChanges(parts.outputs, old.outputs, next.outputs),
    ...schemaChanges(parts.config, old.config, next.config),
  ];
  for (const integration of old.integrations) {
    if (!next.integrations.includes(integration)) {
      changes.push({
        kind: 'node_integration_removed',
        severity: 'breaking',
        integration,
        path: [],
        message: `node "${old.name}" no longer uses integration "${integration}", so the credentials a workflow chose for it are ignored; check the node still does what the workflow needs`,
      });
    }
  }
  for (const integration of next.integrations) {
    if (!old.integrations.includes(integration)) {
      changes.push({
        kind: 'node_integration_added',
        // Runs still work when credentials for it already exist, which the manifests cannot say.
        severity: 'possibly_breaking',
        integration,
        path: [],
        message: `node "${old.name}" now uses integration "${integration}"; make sure credentials for it exist, or choose them in the node`,
      });
    }
  }
  return changes;
}

function operatorChanges(from: Manifest, to: Manifest): BreakingChange[] {
  const changes = schemaChanges(PLUGIN_CONFIG, from.config, to.config);
  for (const old of from.integrations) {
    const next = to.integrations.find((i) => i.name === old.name);
    if (next === undefined) {
      changes.push({
        kind: 'integration_removed',
        severity: 'breaking',
        integration: old.name,
        path: [],
        message: `integration "${old.name}" is gone in version ${to.version}; credentials saved for it can no longer be used`,
      });
      continue;
    }
    const part = credentialsPart(old.name);
    changes.push(
      ...schemaChanges(part, old.credentials, next.credentials).map((c) => ({
        ...c,
        integration: old.name,
      })),
    );
  }
  return changes;
}

/** The changes from `from` to `to` (two versions of one plugin) that can break what uses it. */
export function checkPluginVersionCompatibility(
  from: Manifest,
  to: Manifest,
): PluginVersionCompatibility {
  const nodes = from.nodes
    .map((old) => ({
      node: old.name,
      changes: nodeChanges(from, old, to),
    }))
    .filter((n) => n.changes.length > 0);
  return {
    pluginId: from.id,
    fromVersion: from.version,
    toVersion: to.version,
    nodes,
    operator: operatorChanges(from, to),
  };
}
