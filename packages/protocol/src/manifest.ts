/**
 * @module The plugin manifest: what a plugin declares, as the SDK generates it and as every
 * consumer (CLI, Plugin Server, platform) reads it. One schema, used by all of them.
 */
import { z } from 'zod';
import { MANIFEST_VERSION, SUPPORTED_PROTOCOL_VERSIONS } from './protocol-version.ts';
import { componentNameSchema, pluginIdSchema, semverSchema } from './names.ts';
import { permissionsSchema, resourcesSchema } from './permissions.ts';

/** A JSON Schema document (draft 2020-12) generated from a zod schema. */
export const jsonSchemaSchema = z.record(z.string(), z.unknown()).meta({ id: 'JsonSchema' });
export type JsonSchema = z.infer<typeof jsonSchemaSchema>;

const displayFields = {
  description: z.string().default(''),
  icon: z.string().optional().describe('An https URL or a data: URI of an image.'),
};

export const nodeManifestSchema = z
  .object({
    name: componentNameSchema,
    title: z.string().min(1),
    ...displayFields,
    category: z.string().default('other'),
    inputs: jsonSchemaSchema,
    outputs: jsonSchemaSchema,
    config: jsonSchemaSchema,
    integrations: z
      .array(componentNameSchema)
      .describe('Integrations whose credentials this node receives.'),
    dynamicConfig: z
      .boolean()
      .describe('Whether `POST /nodes/{name}/config` computes options at edit time.'),
  })
  .meta({ id: 'NodeManifest' });
export type NodeManifest = z.infer<typeof nodeManifestSchema>;

export const integrationManifestSchema = z
  .object({
    name: componentNameSchema,
    displayName: z.string().min(1),
    ...displayFields,
    credentials: jsonSchemaSchema.describe(
      'JSON Schema of the credential form; secret fields carry writeOnly.',
    ),
  })
  .meta({ id: 'IntegrationManifest' });
export type IntegrationManifest = z.infer<typeof integrationManifestSchema>;

export const manifestSchema = z
  .object({
    manifestVersion: z.literal(MANIFEST_VERSION),
    protocolVersion: z
      .number()
      .int()
      .refine((v) => SUPPORTED_PROTOCOL_VERSIONS.includes(v), {
        message: `supported protocol versions: ${SUPPORTED_PROTOCOL_VERSIONS.join(', ')}`,
      }),
    sdkVersion: semverSchema,
    id: pluginIdSchema,
    version: semverSchema,
    displayName: z.string().min(1),
    ...displayFields,
    author: z.string().default(''),
    config: jsonSchemaSchema.describe('JSON Schema of the plugin-level configuration.'),
    validatesConfig: z
      .boolean()
      .describe('Whether the plugin has a validateConfig hook beyond its schema.'),
    nodes: z.array(nodeManifestSchema),
    integrations: z.array(integrationManifestSchema),
    resources: resourcesSchema.optional(),
    permissions: permissionsSchema.optional(),
    contentHash: z
      .string()
      .regex(/^sha256-[0-9a-f]{64}$/)
      .describe(
        'sha256 of the canonical JSON of every other field: equal hashes mean equal declarations.',
      ),
  })
  .meta({ id: 'Manifest' });
export type Manifest = z.infer<typeof manifestSchema>;
