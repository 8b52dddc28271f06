/**
 * @module @plugboard/platform — the platform (backend and worker), for `plugboard platform`,
 * `plugboard worker` and for embedding.
 */
export { createPlatform } from './platform.ts';
export type { Platform } from './platform.ts';
export { createWorkerProcess } from './worker-process.ts';
export type { WorkerProcess } from './worker-process.ts';
export {
  loadPlatformConfig,
  loadSecretRotationConfig,
  platformConfigSchema,
  PLATFORM_ENV,
} from './config.ts';
export type {
  PlatformConfig,
  PlatformConfigInput,
  SecretRotationConfig,
  SecretRotationConfigInput,
} from './config.ts';
export { DEFAULT_ROTATION_BATCH, rotateSecretKey } from './secrets/secret-rotation.ts';
export type {
  ColumnReport,
  RotationProgress,
  RotationReport,
  UnreadableValue,
} from './secrets/secret-rotation.ts';
export { secretKeyId } from './secrets/secret-box.ts';
export type { UnreadableProblem } from './secrets/secret-box.ts';
export { PLATFORM_ERROR_CODES, PlatformError } from './errors.ts';
export type { PlatformErrorCode } from './errors.ts';
// For generated documentation: the built-in nodes and the workflow graph's schema.
export { builtinNodes } from './nodes/builtin/builtin-nodes.ts';
export { workflowGraphSchema } from '@plugboard/platform-api';
export { createPluginServerClient } from './plugin-server/plugin-server-client.ts';
export type { PluginServerClient } from './plugin-server/plugin-server-client.ts';
