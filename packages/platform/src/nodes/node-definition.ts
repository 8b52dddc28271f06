/**
 * @module What a node is to the workflow engine: its declared schemas (what the editor and the
 * graph validator read), how one call to it looks, how it fails, and the port plugin nodes run
 * through.
 */
import type { NodeOrigin } from '@plugboard/platform-api';
import type { CodedError, ErrorKind, JsonSchema } from '@plugboard/protocol';

export interface NodeDefinition {
  /** `core/<name>` for built-ins, `<pluginId>/<nodeName>` for plugin nodes. */
  readonly type: string;
  readonly title: string;
  readonly description: string;
  readonly category: string;
  readonly icon?: string;
  readonly origin: NodeOrigin;
  /** JSON Schema objects: each entry of `properties` is a port; `additionalProperties` opens them. */
  readonly inputs: JsonSchema;
  readonly outputs: JsonSchema;
  readonly config: JsonSchema;
}

export interface NodeCall {
  readonly runId: string;
  readonly nodeId: string;
  readonly inputs: Record<string, unknown>;
  readonly config: Record<string, unknown>;
  readonly timeoutMs: number;
  /** Aborts on the node's deadline, on cancel, and when another node fails the run. */
  readonly signal: AbortSignal;
  /** The workflow node's chosen credential id per integration. */
  readonly credentials?: Readonly<Record<string, string>>;
  /** The run's inputs; `core/input` reads its value from here, other nodes ignore them. */
  readonly runInputs?: Readonly<Record<string, unknown>>;
  /** How this run's plugin nodes reach the Plugin Server (built-ins ignore it). */
  readonly remote: RemoteNodeCaller;
}

export interface NodePorts {
  readonly inputs: JsonSchema;
  readonly outputs: JsonSchema;
}

export interface ExecutableNode extends NodeDefinition {
  /** Throws NodeFailure (or a PlatformError) when the node fails. */
  execute(call: NodeCall): Promise<Record<string, unknown>>;
  /**
   * Ports that depend on the node's config (`core/input` outputs the type it is configured
   * with). Absent, or undefined for a config it cannot read, means the declared schemas.
   */
  portsFor?(config: Record<string, unknown>): NodePorts | undefined;
}

export interface RemoteNodeTarget {
  readonly pluginId: string;
  /** The plugin version the node belongs to: the call goes to that version's process. */
  readonly version: string;
  readonly node: string;
  readonly integrations: readonly string[];
}

/**
 * The port through which plugin nodes run, one per run: implemented elsewhere (mints the per-call
 * token, adds the credentials, calls the Plugin Server). Throws NodeFailure on failure.
 */
export interface RemoteNodeCaller {
  call(target: RemoteNodeTarget, call: NodeCall): Promise<Record<string, unknown>>;
}

export interface NodeFailureInit {
  readonly code: string;
  readonly message: string;
  readonly kind: ErrorKind;
  readonly retryable?: boolean;
  readonly details?: Record<string, unknown>;
  readonly cause?: unknown;
}

/**
 * A node that ran and failed. It keeps the code and message the node (or its plugin) chose, so
 * the run record shows the author's words rather than a generic wrapper.
 */
export class NodeFailure extends Error implements CodedError {
  readonly code: string;
  readonly kind: ErrorKind;
  readonly retryable: boolean;
  readonly details: Record<string, unknown> | undefined;

  constructor(init: NodeFailureInit) {
    super(init.message, init.cause === undefined ? undefined : { cause: init.cause });
    this.name = 'NodeFailure';
    this.code = init.code;
    this.kind = init.kind;
    this.retryable = init.retryable ?? false;
    this.details = init.details;
  }
}
