/**
 * @module Request and response bodies of the plugin process routes, and the route table the
 * runtime serves and the docs are generated from.
 */
import { z } from 'zod';
import { issueSchema } from './error-envelope.ts';
import { integrationManifestSchema, manifestSchema } from './manifest.ts';

const objectSchema = z.record(z.string(), z.unknown());

/** Ceiling on a single execution's deadline, so a typo cannot pin a slot for days. */
export const MAX_TIMEOUT_MS = 24 * 60 * 60 * 1000;

export const executionContextSchema = z
  .object({
    credentials: z
      .record(z.string(), objectSchema)
      .default({})
      .describe('Credentials by integration name; the node sees only those it declares.'),
    callToken: z
      .string()
      .optional()
      .describe('Per-call token for the file bridge, minted for this execution.'),
    runId: z.string().optional(),
    executionId: z.string().optional(),
    timeoutMs: z
      .number()
      .int()
      .positive()
      .max(MAX_TIMEOUT_MS)
      .optional()
      .describe('Deadline relative to receipt; the node signal aborts when it passes.'),
  })
  .meta({ id: 'ExecutionContext' });
export type ExecutionContextMessage = z.infer<typeof executionContextSchema>;

export const executeRequestSchema = z
  .object({
    inputs: objectSchema.default({}),
    config: objectSchema.default({}),
    context: executionContextSchema.default({ credentials: {} }),
  })
  .meta({ id: 'ExecuteRequest' });
export type ExecuteRequest = z.input<typeof executeRequestSchema>;

export const executeResponseSchema = z
  .object({
    outputs: objectSchema,
    durationMs: z.number().nonnegative(),
  })
  .meta({ id: 'ExecuteResponse' });
export type ExecuteResponse = z.infer<typeof executeResponseSchema>;

export const fieldOptionSchema = z.object({
  value: z.union([z.string(), z.number(), z.boolean()]),
  label: z.string(),
});

export const nodeConfigRequestSchema = z
  .object({
    config: objectSchema
      .default({})
      .describe('The config as the user has filled it so far; may be partial.'),
    context: executionContextSchema.default({ credentials: {} }),
  })
  .meta({ id: 'NodeConfigRequest' });

export const nodeConfigResponseSchema = z
  .object({
    fields: z
      .record(
        z.string(),
        z.object({
          options: z.array(fieldOptionSchema).optional(),
          description: z.string().optional(),
          hidden: z.boolean().optional(),
          disabled: z.boolean().optional(),
        }),
      )
      .describe('Per config field: what the editor should offer now.'),
    ready: z
      .boolean()
      .describe('False when the node cannot be configured yet (e.g. credentials missing).'),
    message: z.string().optional(),
  })
  .meta({ id: 'NodeConfigResponse' });
export type NodeConfigResponse = z.infer<typeof nodeConfigResponseSchema>;

export const validateConfigRequestSchema = z
  .object({ config: objectSchema.default({}) })
  .meta({ id: 'ValidateConfigRequest' });

export const validateConfigResponseSchema = z
  .object({ valid: z.boolean(), issues: z.array(issueSchema) })
  .meta({ id: 'ValidateConfigResponse' });
export type ValidateConfigResponse = z.infer<typeof validateConfigResponseSchema>;

export const configureResponseSchema = validateConfigResponseSchema
  .extend({
    applied: z
      .boolean()
      .describe(
        'Whether every call that starts from now on gets this configuration. False when it fails the schema: the one applied before stays.',
      ),
    unchecked: z
      .string()
      .optional()
      .describe(
        'Why the validateConfig hook gave no verdict (it failed or overran): the configuration is applied and taken as valid.',
      ),
  })
  .meta({ id: 'ConfigureResponse' });
export type ConfigureResponse = z.infer<typeof configureResponseSchema>;

export const integrationReadyRequestSchema = z
  .object({ credentials: objectSchema.default({}) })
  .meta({ id: 'IntegrationReadyRequest' });

export const integrationReadyResponseSchema = z
  .object({ ready: z.boolean(), message: z.string().optional() })
  .meta({ id: 'IntegrationReadyResponse' });
export type IntegrationReadyResponse = z.infer<typeof integrationReadyResponseSchema>;

/**
 * How long plugin code may run on after its deadline or cancel before its execution counts as
 * stuck: its slot is freed and the process reports it on `/health`, to be replaced.
 */
export const STUCK_AFTER_MS = 1_000;

export const healthResponseSchema = z
  .object({
    status: z.enum(['ok', 'draining']),
    pluginId: z.string(),
    version: z.string(),
    protocolVersion: z.number().int(),
    inFlight: z.number().int().nonnegative().meta({
      description: 'Executions running now, each holding one of `maxConcurrency` slots.',
    }),
    maxConcurrency: z.number().int().positive().optional().meta({
      description: 'Executions the process runs at once; more are refused as overloaded.',
    }),
    saturated: z.boolean().optional().meta({
      description: 'Every slot is taken: a new execution would be refused until one ends.',
    }),
    stuck: z
      .number()
      .int()
      .nonnegative()
      .optional()
      .meta({
        description: `Executions still running ${String(STUCK_AFTER_MS)} ms after their deadline or cancel (plugin code that ignores its signal). Their slots are freed; the supervisor replaces a process that reports any.`,
      }),
  })
  .meta({ id: 'HealthResponse' });

export type HealthResponse = z.infer<typeof healthResponseSchema>;

export interface PluginRouteSpec {
  readonly method: 'GET' | 'POST';
  readonly path: string;
  readonly summary: string;
  readonly authenticated: boolean;
  readonly request?: z.ZodType;
  readonly response: z.ZodType;
}

/** Every route a plugin process serves. `{name}` is a node or integration name. */
export const PLUGIN_ROUTES = {
  health: {
    method: 'GET',
    path: '/health',
    summary: 'Liveness and load; the only route without the token.',
    authenticated: false,
    response: healthResponseSchema,
  },
  manifest: {
    method: 'GET',
    path: '/manifest',
    summary: "The plugin's manifest, generated from its declarations.",
    authenticated: true,
    response: manifestSchema,
  },
  validateConfig: {
    method: 'POST',
    path: '/validate-config',
    summary: 'Checks a plugin configuration against its schema and its validateConfig hook.',
    authenticated: true,
    request: validateConfigRequestSchema,
    response: validateConfigResponseSchema,
  },
  configure: {
    method: 'POST',
    path: '/config',
    summary:
      "Makes a configuration the process's own, parsed once: every call that starts after it gets it as `ctx.pluginConfig`. Answers the plugin's verdict. Only the Plugin Server calls it (at start and on a change); it is never forwarded.",
    authenticated: true,
    request: validateConfigRequestSchema,
    response: configureResponseSchema,
  },
  nodeConfig: {
    method: 'POST',
    path: '/nodes/{name}/config',
    summary: "Computes a node's config options at edit time (the node's dynamic-config hook).",
    authenticated: true,
    request: nodeConfigRequestSchema,
    response: nodeConfigResponseSchema,
  },
  execute: {
    method: 'POST',
    path: '/nodes/{name}/execute',
    summary: 'Runs a node with inputs, config and an execution context.',
    authenticated: true,
    request: executeRequestSchema,
    response: executeResponseSchema,
  },
  integrationConfig: {
    method: 'POST',
    path: '/integrations/{name}/config',
    summary: "An integration's display data and credential form schema.",
    authenticated: true,
    response: integrationManifestSchema,
  },
  integrationReady: {
    method: 'POST',
    path: '/integrations/{name}/ready',
    summary: "Checks credentials with the integration's ready hook.",
    authenticated: true,
    request: integrationReadyRequestSchema,
    response: integrationReadyResponseSchema,
  },
} as const satisfies Record<string, PluginRouteSpec>;
