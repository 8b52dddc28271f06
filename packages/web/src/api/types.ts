/**
 * @module The platform API's shapes, as its contract packages define them: the UI copies none.
 * Type-only imports, so no schema code reaches the browser; the one value the UI needs at run
 * time is declared here and checked against the contract's by the compiler.
 */
import type {
  CredentialView,
  FileMeta,
  GraphIssue,
  MASKED as CONTRACT_MASKED,
  MarketplacePlugin as ContractMarketplacePlugin,
  NodeTypeView,
  PluginRecordView,
  UpdateImpact as ContractUpdateImpact,
  Run as ContractRun,
  NodeRunStatus as ContractNodeRunStatus,
  Workflow as ContractWorkflow,
  WorkflowEdge,
  WorkflowGraphInput,
} from '@plugboard/platform-api';
import type {
  FileRef as ContractFileRef,
  IntegrationManifest as ContractIntegrationManifest,
  Issue as ContractIssue,
  JsonSchema as ContractJsonSchema,
  Manifest as ContractManifest,
  NodeConfigResponse,
} from '@plugboard/protocol';
import type {
  PluginGrant as ContractPluginGrant,
  PluginSource as ContractPluginSource,
} from '@plugboard/server-api';

export type JsonSchema = ContractJsonSchema;
export type IntegrationManifest = ContractIntegrationManifest;
export type Manifest = ContractManifest;
export type PluginSource = ContractPluginSource;
export type PluginGrant = ContractPluginGrant;
export type PluginRecord = PluginRecordView;
/** One installed version of a plugin, as its record lists them (newest first). */
export type PluginVersion = PluginRecordView['versions'][number];
export type UpdateImpact = ContractUpdateImpact;
export type MarketplacePlugin = ContractMarketplacePlugin;
export type NodeConfigOptions = NodeConfigResponse;
export type FieldOption = NonNullable<NodeConfigResponse['fields'][string]['options']>[number];
export type FileRef = ContractFileRef & Partial<Pick<FileMeta, 'size'>>;
export type NodeType = NodeTypeView;
export type GraphNode = WorkflowGraphInput['nodes'][number];
export type GraphEdge = WorkflowEdge;
/** As the editor builds it: every edge list present, configs optional (the platform defaults them). */
export type WorkflowGraph = WorkflowGraphInput & { readonly edges: readonly GraphEdge[] };
export type Workflow = ContractWorkflow;
export type WorkflowIssue = GraphIssue;
export type NodeRunStatus = ContractNodeRunStatus;
export type Run = ContractRun;
export type Credential = CredentialView;
export type Issue = ContractIssue;

/** What the platform shows instead of a stored secret; sent back, it keeps the stored value. */
export const MASKED: typeof CONTRACT_MASKED = '********';
