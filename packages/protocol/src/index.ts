/**
 * @module @plugboard/protocol — the wire contract between the Plugin Server and plugin processes.
 *
 * Depends on zod only and touches no Node API, so every process and the web UI can import it.
 */
export {
  MANIFEST_VERSION,
  PROTOCOL_VERSION,
  SUPPORTED_PROTOCOL_VERSIONS,
} from './protocol-version.ts';
export {
  HANDSHAKE_MARKER,
  HANDSHAKE_MAX_BYTES,
  PLUGIN_HOST,
  UNIX_SOCKET_HANDSHAKE_VERSION,
  formatHandshake,
  parseHandshake,
} from './handshake.ts';
export type { Handshake, HandshakeParseResult } from './handshake.ts';
export { EGRESS_PROXY_PORT, PLUGIN_ENV } from './plugin-env.ts';
export type { PluginEnvVar } from './plugin-env.ts';
export {
  ERROR_KINDS,
  errorEnvelopeSchema,
  issueSchema,
  toErrorEnvelope,
  envelopeHttpResponse,
  writeClientError,
} from './error-envelope.ts';
export type { CodedError, ErrorEnvelope, ErrorKind, Issue } from './error-envelope.ts';
export { CodedFailure } from './coded-failure.ts';
export type { FailureSpec } from './coded-failure.ts';
export { PLUGIN_ERROR_CODES } from './plugin-error-codes.ts';
export type { ErrorCodeSpec, PluginErrorCode } from './plugin-error-codes.ts';
export { componentNameSchema, pluginIdSchema, semverSchema } from './names.ts';
export {
  integrationManifestSchema,
  jsonSchemaSchema,
  manifestSchema,
  nodeManifestSchema,
} from './manifest.ts';
export type { IntegrationManifest, JsonSchema, Manifest, NodeManifest } from './manifest.ts';
export { FILE_BRIDGE_HEADERS, FILE_BRIDGE_ROUTES, fileRefSchema } from './file-bridge.ts';
export type { FileRef } from './file-bridge.ts';
export {
  MAX_TIMEOUT_MS,
  PLUGIN_ROUTES,
  configureResponseSchema,
  executeRequestSchema,
  executeResponseSchema,
  executionContextSchema,
  fieldOptionSchema,
  healthResponseSchema,
  STUCK_AFTER_MS,
  integrationReadyRequestSchema,
  integrationReadyResponseSchema,
  nodeConfigRequestSchema,
  nodeConfigResponseSchema,
  validateConfigRequestSchema,
  validateConfigResponseSchema,
} from './plugin-routes.ts';
export type {
  ConfigureResponse,
  ExecuteRequest,
  ExecuteResponse,
  ExecutionContextMessage,
  HealthResponse,
  IntegrationReadyResponse,
  NodeConfigResponse,
  PluginRouteSpec,
  ValidateConfigResponse,
} from './plugin-routes.ts';
export {
  describeRequests,
  networkAccessSchema,
  permissionsSchema,
  resourcesSchema,
} from './permissions.ts';
export type { NetworkAccess, PluginPermissions, PluginResources } from './permissions.ts';
export {
  PLUGIN_STATUSES,
  PLUGIN_STATUS_RULES,
  SETTLED_STATUSES,
  canMoveTo,
  pluginStatusSchema,
} from './statuses.ts';
export type { PluginStatus, StatusRule } from './statuses.ts';
export { canonicalJson } from './canonical-json.ts';
export { backoffDelay } from './backoff.ts';
export type { Backoff } from './backoff.ts';
