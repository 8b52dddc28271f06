/**
 * @module Generates the manifest from a plugin's declarations: JSON Schema for every schema, the
 * protocol and SDK versions, and a content hash.
 */
import { createHash } from 'node:crypto';
import { z } from 'zod';
import {
  MANIFEST_VERSION,
  canonicalJson,
  PROTOCOL_VERSION,
  manifestSchema,
  type JsonSchema,
  type Manifest,
} from '@plugboard/protocol';
import type { Plugin } from '../define-plugin.ts';
import { PluginDefinitionError } from '../definition-error.ts';
import { SDK_VERSION } from '../sdk-version.ts';

/**
 * `io: 'input'` describes what callers must send (defaults make fields optional), which is what
 * the platform's forms and validators need. Failures name the schema so authors can find it.
 */
function toJsonSchema(schema: z.ZodType, where: string, problems: string[]): JsonSchema {
  try {
    return z.toJSONSchema(schema, { io: 'input', target: 'draft-2020-12' });
  } catch (error) {
    problems.push(
      `${where}: cannot be described as JSON Schema (${error instanceof Error ? error.message : String(error)}); use JSON-compatible types (no dates, bigints, functions or transforms without a pipe)`,
    );
    return {};
  }
}

export function buildManifest(plugin: Plugin): Manifest {
  const problems: string[] = [];
  const body = {
    manifestVersion: MANIFEST_VERSION,
    protocolVersion: PROTOCOL_VERSION,
    sdkVersion: SDK_VERSION,
    id: plugin.id,
    version: plugin.version,
    displayName: plugin.displayName,
    description: plugin.description,
    author: plugin.author,
    ...(plugin.icon === undefined ? {} : { icon: plugin.icon }),
    config: toJsonSchema(plugin.config, 'config', problems),
    validatesConfig: plugin.validateConfig !== undefined,
    nodes: [...plugin.nodes.values()].map((node) => ({
      name: node.name,
      title: node.title,
      description: node.description ?? '',
      category: node.category ?? 'other',
      ...(node.icon === undefined ? {} : { icon: node.icon }),
      inputs: toJsonSchema(node.inputs, `node ${node.name} inputs`, problems),
      outputs: toJsonSchema(node.outputs, `node ${node.name} outputs`, problems),
      config: toJsonSchema(node.config, `node ${node.name} config`, problems),
      integrations: node.integrations.map((i) => i.name),
      dynamicConfig: node.dynamicConfig !== undefined,
    })),
    integrations: [...plugin.integrations.values()].map((integration) => ({
      name: integration.name,
      displayName: integration.displayName,
      description: integration.description ?? '',
      ...(integration.icon === undefined ? {} : { icon: integration.icon }),
      credentials: toJsonSchema(
        integration.credentials,
        `integration ${integration.name} credentials`,
        problems,
      ),
    })),
    ...(plugin.resources === undefined ? {} : { resources: plugin.resources }),
    ...(plugin.permissions === undefined ? {} : { permissions: plugin.permissions }),
  };
  if (problems.length > 0) {
    throw new PluginDefinitionError(`plugin ${JSON.stringify(plugin.id)}`, problems);
  }
  const contentHash = `sha256-${createHash('sha256').update(canonicalJson(body)).digest('hex')}`;
  // Parsing our own output keeps the generator and the one manifest schema from drifting apart.
  return manifestSchema.parse({ ...body, contentHash });
}
