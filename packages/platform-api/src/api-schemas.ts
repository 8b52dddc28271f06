/**
 * @module What each operation of the platform's public API takes and answers, by the names of
 * `API_ROUTES`: path parameters, query, body and the success answer, as zod schemas. The
 * platform's routes validate with them and its OpenAPI document is generated from them; clients
 * take their types from them (`ApiClient`), so nothing is written twice.
 */
import { fileRefSchema, nodeConfigResponseSchema } from '@plugboard/protocol';
import { pluginGrantSchema, pluginSourceSchema } from '@plugboard/server-api';
import { z } from 'zod';
import type { ApiOperation } from './api-routes.ts';
import { checkedCredentialSchema, credentialViewSchema } from './credentials.ts';
import { fileMetaSchema } from './files.ts';
import { marketplaceListingSchema } from './marketplace.ts';
import { pluginRecordViewSchema } from './plugin-record.ts';
import { updateImpactSchema, workflowUpgradeSchema } from './plugin-versions.ts';
import { runSchema } from './runs.ts';
import {
  graphIssueSchema,
  nodeTypeSchema,
  workflowBodySchema,
  workflowGraphSchema,
  workflowSchema,
} from './workflows.ts';

/** The schemas of one operation; absent parts take nothing (or answer nothing). */
export interface ApiOperationSchemas {
  readonly summary: string;
  readonly description?: string;
  readonly params?: z.ZodObject;
  readonly query?: z.ZodObject;
  readonly body?: z.ZodType;
  /** The success answer, for operations that answer JSON. */
  readonly response?: z.ZodType;
}

const name = z.string().min(1).max(128);
const idParams = z.object({ id: name });
const configObject = z.record(z.string(), z.unknown());
const credentialData = z
  .record(z.string(), z.unknown())
  .describe("Matches the integration's credential schema; stored encrypted, never shown again.");
/** Event ids are PostgreSQL integers. */
export const MAX_EVENT_ID = 2 ** 31 - 1;

export const API_SCHEMAS = {
  listPlugins: {
    summary: 'Every plugin record with its status',
    response: z.object({ plugins: z.array(pluginRecordViewSchema) }),
  },
  installPlugin: {
    summary:
      'Install a plugin from git, an uploaded .tar.gz (upload it to /api/files first), the marketplace or a local folder (dev mode); the record starts `installing` and webhooks move it on. With an Idempotency-Key header, a repeat gets the first answer and installs nothing',
    body: z.object({
      id: name
        .optional()
        .describe(
          "The plugin's id (as in its manifest); marketplace installs default to the name.",
        ),
      source: pluginSourceSchema,
      version: z.string().min(1).max(64).optional(),
      config: configObject.optional(),
      grant: pluginGrantSchema
        .optional()
        .describe(
          'What the operator grants it (network, child processes); it starts only once everything it asks for is granted.',
        ),
    }),
    response: pluginRecordViewSchema,
  },
  getPlugin: {
    summary: 'One plugin record: status and why, source, config (secrets masked), nodes, manifest',
    params: idParams,
    response: pluginRecordViewSchema,
  },
  uninstallPlugin: {
    summary: 'Uninstall: the nodes leave the registry at once; the record ends `uninstalled`',
    params: idParams,
    response: pluginRecordViewSchema,
  },
  restartPlugin: {
    summary: 'Restart the plugin process',
    params: idParams,
    response: pluginRecordViewSchema,
  },
  updatePlugin: {
    summary:
      'Install another version beside the current one; with `activate` (the default) it is made current once it runs, the current version serving until then and staying installed (pinned workflows keep running on it). Without, it is staged: see GET /api/plugins/{id}/update-impact, then POST /api/plugins/{id}/activate',
    params: idParams,
    body: z.object({
      source: pluginSourceSchema.optional(),
      version: z.string().min(1).max(64).optional(),
      activate: z
        .boolean()
        .default(true)
        .describe('Make it current once it runs; false installs it beside the current one only.'),
    }),
    response: pluginRecordViewSchema,
  },
  updateImpact: {
    summary:
      'What making an installed version current would break: the changes between the current and that version, and every saved workflow node they reach, with whether its range moves it',
    params: idParams,
    query: z.object({
      version: z
        .string()
        .min(1)
        .max(64)
        .describe('An installed version (staged, kept or rolled back).'),
    }),
    response: updateImpactSchema,
  },
  activateVersion: {
    summary:
      'Make an installed version current (an update, once its impact is seen); the current one serves until it runs and stays installed',
    params: idParams,
    body: z.object({ version: z.string().min(1).max(64) }),
    response: pluginRecordViewSchema,
  },
  rollbackPlugin: {
    summary:
      'Make the previous installed version (or `to`) current at once; the versions above it are marked rolled back and no node runs on them until one is made current again',
    params: idParams,
    body: z.object({ to: z.string().min(1).max(64).optional() }).default({}),
    response: pluginRecordViewSchema,
  },
  configurePlugin: {
    summary:
      'Set the plugin configuration, checked against its config schema (secret fields are stored encrypted; send a masked value back to keep it)',
    params: idParams,
    body: z.object({ config: configObject }),
    response: pluginRecordViewSchema,
  },
  grantPlugin: {
    summary:
      'Set what the operator grants the plugin (network access, child processes): an install or start that waited for it goes on; a process asking for more than the new grant is stopped',
    params: idParams,
    body: z.object({ grant: pluginGrantSchema }),
    response: pluginRecordViewSchema,
  },
  pluginLogs: {
    summary: "The plugin's last log lines (text/plain), from the Plugin Server",
    params: idParams,
    query: z.strictObject({ tail: z.coerce.number().int().min(0).max(10_000).default(200) }),
  },
  nodeConfigOptions: {
    summary: "A plugin node's config options for the editor (its dynamic-config hook)",
    params: idParams.extend({ node: name }),
    body: z.object({ config: configObject.default({}) }),
    response: nodeConfigResponseSchema,
  },
  pluginEvents: {
    summary:
      'Every plugin record, live: a `plugins` event now and after every change (Server-Sent Events)',
  },

  marketplace: {
    summary: 'Plugins in the marketplace, with their versions and what is installed',
    query: z.strictObject({ q: z.string().max(200).optional().describe('Search text.') }),
    response: marketplaceListingSchema,
  },

  uploadFile: {
    summary: 'Store a file (the raw request body, streamed); answers its reference',
    query: z.strictObject({ name: z.string().max(255).optional() }),
    response: fileRefSchema,
  },
  downloadFile: {
    summary: "A file's bytes, as an attachment with its name and type",
    params: idParams,
  },
  fileMeta: {
    summary: "A file's metadata: name, type, size, SHA-256, who stored it",
    params: idParams,
    response: fileMetaSchema,
  },

  listNodes: {
    summary: 'The node registry: built-in nodes and the nodes of running plugins, with schemas',
    response: z.object({ nodes: z.array(nodeTypeSchema) }),
  },
  listWorkflows: {
    summary: 'Every workflow',
    response: z.object({ workflows: z.array(workflowSchema) }),
  },
  validateWorkflow: {
    summary: 'Check a graph against the registry without saving it; every problem at once',
    body: z.object({ graph: workflowGraphSchema }),
    response: z.object({ valid: z.boolean(), issues: z.array(graphIssueSchema) }),
  },
  createWorkflow: {
    summary: 'Save a new workflow (422 with every graph problem when it does not validate)',
    body: workflowBodySchema,
    response: workflowSchema,
  },
  getWorkflow: { summary: 'One workflow', params: idParams, response: workflowSchema },
  updateWorkflow: {
    summary: 'Replace a workflow (validated like a new one)',
    params: idParams,
    body: workflowBodySchema,
    response: workflowSchema,
  },
  upgradeWorkflow: {
    summary:
      "Move a workflow's nodes of one plugin to another version (the current one by default): their references are rewritten to its major and the graph checked against it; a graph that does not fit answers 422 with what to fix, and nothing is saved. Send the fixed graph as `graph` to upgrade and fix in one step",
    params: idParams,
    body: z.object({
      pluginId: name,
      version: z.string().min(1).max(64).optional(),
      graph: workflowGraphSchema.optional(),
    }),
    response: workflowUpgradeSchema,
  },
  deleteWorkflow: {
    summary: 'Delete a workflow and its finished runs (409 while one is under way)',
    params: idParams,
  },

  startRun: {
    summary:
      'Run a workflow with inputs (by the names of its input nodes; files as {id,name,contentType} from /api/files); answers at once, the run is queued. With an Idempotency-Key header, a repeat gets the first answer and queues nothing',
    params: idParams,
    body: z.object({ inputs: z.record(z.string(), z.unknown()).default({}) }),
    response: runSchema,
  },
  listRuns: {
    summary: 'Recent runs, newest first (without node details)',
    query: z.strictObject({
      workflowId: z.string().max(128).optional(),
      limit: z.coerce.number().int().min(1).max(500).default(50),
    }),
    response: z.object({ runs: z.array(runSchema) }),
  },
  getRun: {
    summary: "A run with every node's inputs, outputs, error and timing",
    params: idParams,
    response: runSchema,
  },
  cancelRun: {
    summary:
      'Cancel a run: a queued one at once, a running one as soon as the worker sees it (nodes in plugins are aborted)',
    params: idParams,
    response: runSchema,
  },
  runEvents: {
    summary:
      'Run progress as Server-Sent Events (run.started, node.started, node.finished, run.finished); resumes after Last-Event-ID',
    params: idParams,
    query: z.strictObject({
      after: z.coerce.number().int().min(0).max(MAX_EVENT_ID).optional(),
    }),
  },

  createCredential: {
    summary:
      "Store credentials for a plugin's integration, once they match its schema and its ready check accepts them",
    params: z.object({ pluginId: name, integration: name }),
    body: z.object({ name, data: credentialData }),
    response: checkedCredentialSchema,
  },
  listCredentials: {
    summary: 'Stored credentials (names and owners only, never the data), newest first',
    query: z.strictObject({ pluginId: name.optional() }),
    response: z.object({ credentials: z.array(credentialViewSchema) }),
  },
  getCredential: {
    summary: 'One stored credential (never the data)',
    params: idParams,
    response: credentialViewSchema,
  },
  testCredential: {
    summary: "Run the plugin's ready check on stored credentials again",
    params: idParams,
    response: z.object({
      id: z.string(),
      ready: z.boolean(),
      message: z.string().optional().describe('Why not, when the plugin says.'),
    }),
  },
  replaceCredential: {
    summary: "Replace stored credentials' data, with the same checks as storing them",
    params: idParams,
    body: z.object({ data: credentialData }),
    response: checkedCredentialSchema,
  },
  deleteCredential: { summary: 'Delete stored credentials', params: idParams },
} as const satisfies { readonly [N in ApiOperation]: ApiOperationSchemas };
