// Manifests of two versions of one plugin, built from zod schemas as the SDK builds them, for the
// plugin version compatibility tests.
import { expect } from 'vitest';
import { z } from 'zod';
import type { Manifest, NodeManifest } from '@plugboard/protocol';
import {
  checkPluginVersionCompatibility,
  type BreakingChange,
} from '../../src/plugins/plugin-version-compatibility.ts';

// As the SDK's manifest builder turns a plugin's zod schemas into JSON Schema.
const schema = (s: z.ZodType) => z.toJSONSchema(s, { io: 'input', target: 'draft-2020-12' });
export const empty = z.object({});

export interface NodeSpec {
  inputs?: z.ZodType;
  outputs?: z.ZodType;
  config?: z.ZodType;
  integrations?: string[];
  title?: string;
}

export function node(name: string, spec: NodeSpec = {}): NodeManifest {
  return {
    name,
    title: spec.title ?? name,
    description: '',
    category: 'other',
    inputs: schema(spec.inputs ?? empty),
    outputs: schema(spec.outputs ?? empty),
    config: schema(spec.config ?? empty),
    integrations: spec.integrations ?? [],
    dynamicConfig: false,
  };
}

export function manifest(
  version: string,
  parts: {
    nodes?: NodeManifest[];
    config?: z.ZodType;
    integrations?: Record<string, z.ZodType>;
  },
): Manifest {
  return {
    manifestVersion: 1,
    protocolVersion: 1,
    sdkVersion: '0.1.0',
    id: 'acme.text',
    version,
    displayName: 'Text',
    description: '',
    author: '',
    config: schema(parts.config ?? empty),
    validatesConfig: false,
    nodes: parts.nodes ?? [],
    integrations: Object.entries(parts.integrations ?? {}).map(([name, credentials]) => ({
      name,
      displayName: name,
      description: '',
      credentials: schema(credentials),
    })),
    contentHash: `sha256-${'0'.repeat(64)}`,
  };
}

/** The changes to node "n" when only the given part of it changes between versions. */
export function nodeChanges(before: NodeSpec, after: NodeSpec): readonly BreakingChange[] {
  const report = checkPluginVersionCompatibility(
    manifest('1.0.0', { nodes: [node('n', before)] }),
    manifest('2.0.0', { nodes: [node('n', after)] }),
  );
  expect(report.operator).toEqual([]);
  return report.nodes.find((n) => n.node === 'n')?.changes ?? [];
}

export const inputs = (shape: z.ZodRawShape) => ({ inputs: z.object(shape) });
export const outputs = (shape: z.ZodRawShape) => ({ outputs: z.object(shape) });
export const config = (shape: z.ZodRawShape) => ({ config: z.object(shape) });
export const kinds = (changes: readonly BreakingChange[]) =>
  changes.map(({ kind, severity, name }) => ({ kind, severity, name }));
