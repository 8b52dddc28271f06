/**
 * @module The platform API's shapes as the UI reads them (see `/docs` of a running platform). Only
 * the fields the UI uses; answers may carry more.
 */

/** A JSON Schema object, as plugins and the registry declare them. */
export type JsonSchema = Record<string, unknown>;

export const PLUGIN_STATUSES = [
  'installing',
  'running',
  'missing_config',
  'restarting',
  'error',
  'uninstalling',
  'uninstalled',
] as const;
export type PluginStatus = (typeof PLUGIN_STATUSES)[number];

/** What the platform shows instead of a stored secret; sent back, it keeps the stored value. */
export const MASKED = '********';

export interface NodeManifest {
  readonly name: string;
  readonly title: string;
  readonly description: string;
  readonly category: string;
  readonly inputs: JsonSchema;
  readonly outputs: JsonSchema;
  readonly config: JsonSchema;
  readonly integrations: readonly string[];
  readonly dynamicConfig: boolean;
}

export interface IntegrationManifest {
  readonly name: string;
  readonly displayName: string;
  readonly description: string;
  readonly credentials: JsonSchema;
}

export interface Manifest {
  readonly id: string;
  readonly version: string;
  readonly displayName: string;
  readonly description: string;
  readonly author: string;
  readonly config: JsonSchema;
  readonly nodes: readonly NodeManifest[];
  readonly integrations: readonly IntegrationManifest[];
}

export type PluginSource =
  | {
      readonly type: 'git';
      readonly url: string;
      readonly ref?: string;
      readonly commit?: string;
      readonly subdirectory?: string;
      readonly token?: string;
    }
  | { readonly type: 'upload'; readonly fileId: string }
  | { readonly type: 'marketplace'; readonly name: string; readonly version?: string }
  | { readonly type: 'local'; readonly path: string };

export interface PluginGrant {
  readonly network?: boolean | { readonly hosts: readonly string[] };
  readonly childProcesses?: boolean;
}

export interface PluginRecord {
  readonly id: string;
  readonly status: PluginStatus;
  readonly version?: string;
  readonly source: Record<string, unknown>;
  readonly config: Record<string, unknown>;
  readonly reason?: string;
  readonly logTail?: readonly string[];
  readonly restarts: number;
  readonly nodes: readonly string[];
  readonly manifest?: Manifest;
  /** What its manifest asks for beyond the sandbox (granted by the operator, or it does not run). */
  readonly asks: readonly string[];
  /** What the operator granted it (network, child processes). */
  readonly grant: PluginGrant;
  /** What confines its process, and what its host lacks. */
  readonly sandbox?: {
    readonly confined: readonly string[];
    readonly missing: readonly { readonly layer: string; readonly why: string }[];
  };
  readonly createdAt: string;
  readonly updatedAt: string;
}

export interface InstallRequest {
  readonly id?: string;
  readonly source: PluginSource;
  readonly version?: string;
}

export interface MarketplacePlugin {
  readonly name: string;
  readonly displayName: string;
  readonly description: string;
  readonly versions: readonly string[];
  readonly latest: string;
  /** What the latest version asks an operator to grant beyond the sandbox. */
  readonly asks: readonly string[];
  readonly installed?: {
    readonly status: string;
    readonly version?: string;
    readonly asks?: readonly string[];
  };
}

export interface FieldOption {
  readonly value: string | number | boolean;
  readonly label: string;
}

/** A plugin node's dynamic config: what the editor should offer for each field now. */
export interface NodeConfigOptions {
  readonly fields: Record<
    string,
    {
      readonly options?: readonly FieldOption[];
      readonly description?: string;
      readonly hidden?: boolean;
      readonly disabled?: boolean;
    }
  >;
  readonly ready: boolean;
  readonly message?: string;
}

export interface FileRef {
  readonly id: string;
  readonly name: string;
  readonly contentType: string;
  readonly size?: number;
}

export type NodeOrigin =
  | { readonly kind: 'builtin' }
  | {
      readonly kind: 'plugin';
      readonly pluginId: string;
      readonly node: string;
      readonly integrations: readonly string[];
      readonly dynamicConfig: boolean;
    };

export interface NodeType {
  readonly type: string;
  readonly title: string;
  readonly description: string;
  readonly category: string;
  readonly origin: NodeOrigin;
  readonly inputs: JsonSchema;
  readonly outputs: JsonSchema;
  readonly config: JsonSchema;
}

export interface GraphNode {
  readonly id: string;
  readonly type: string;
  readonly config?: Record<string, unknown>;
  readonly credentials?: Record<string, string>;
  readonly timeoutMs?: number;
  readonly position?: { readonly x: number; readonly y: number };
}

export interface GraphEdge {
  readonly from: { readonly node: string; readonly output: string };
  readonly to: { readonly node: string; readonly input: string };
}

export interface WorkflowGraph {
  readonly nodes: readonly GraphNode[];
  readonly edges: readonly GraphEdge[];
}

export interface Workflow {
  readonly id: string;
  readonly name: string;
  readonly description: string;
  readonly graph: WorkflowGraph;
  readonly createdAt: string;
  readonly updatedAt: string;
}

export interface WorkflowIssue {
  readonly code: string;
  readonly message: string;
  readonly path: readonly (string | number)[];
  readonly nodeId?: string;
  readonly edgeIndex?: number;
}

export type RunStatus = 'queued' | 'running' | 'succeeded' | 'failed' | 'cancelled';
export type NodeRunStatus =
  'pending' | 'running' | 'succeeded' | 'failed' | 'skipped' | 'cancelled';

export interface RunError {
  readonly code: string;
  readonly message: string;
  readonly kind?: string;
  readonly nodeId?: string;
  readonly details?: Record<string, unknown>;
}

export interface NodeRun {
  readonly nodeId: string;
  readonly status: NodeRunStatus;
  readonly inputs?: Record<string, unknown>;
  readonly outputs?: Record<string, unknown>;
  readonly error?: RunError;
  readonly startedAt?: string;
  readonly finishedAt?: string;
  readonly durationMs?: number;
}

export interface Run {
  readonly id: string;
  readonly workflowId: string;
  readonly status: RunStatus;
  readonly inputs: Record<string, unknown>;
  readonly outputs?: Record<string, unknown>;
  readonly error?: RunError;
  readonly cancelRequested: boolean;
  readonly createdAt: string;
  readonly startedAt?: string;
  readonly finishedAt?: string;
  readonly nodes: readonly NodeRun[];
}

export interface Credential {
  readonly id: string;
  readonly pluginId: string;
  readonly integration: string;
  readonly name: string;
  readonly createdAt: string;
  readonly updatedAt: string;
}

/** One problem of a request, at a path of what was sent (from the error envelope's details). */
export interface Issue {
  readonly path: readonly (string | number)[];
  readonly message: string;
  readonly code?: string;
}
