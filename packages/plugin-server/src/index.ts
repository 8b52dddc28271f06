/**
 * @module @plugboard/plugin-server — the Plugin Server, for `plugboard server` and for embedding.
 */
export { createPluginServer } from './plugin-server.ts';
export type { PluginServer, PluginServerOptions } from './plugin-server.ts';
export { loadServerConfig, serverConfigSchema, SERVER_ENV } from './config.ts';
export type { ServerConfig, ServerConfigInput } from './config.ts';
export { SERVER_ERROR_CODES, ServerError } from './errors.ts';
export type { ServerErrorCode } from './errors.ts';
// The contract with the platform lives in @plugboard/server-api; re-exported for embedders.
export {
  DESIRED_STATE_PATH,
  desiredStateSchema,
  marketplaceIndexSchema,
  pluginDetailSchema,
  pluginSourceSchema,
  pluginViewSchema,
  reconcileReportSchema,
  signedHeaders,
  STATUS_WEBHOOK_PATH,
  statusEventSchema,
  verify as verifyWebhook,
  WEBHOOK_HEADERS,
} from '@plugboard/server-api';
export type {
  DesiredPlugin,
  DesiredState,
  MarketplaceIndex,
  PluginDetail,
  PluginSource,
  PluginView,
  ReconcileReport,
  StatusEvent,
} from '@plugboard/server-api';
// The parts a host can assemble itself: a manager on another Engine (a container engine, or a
// benchmark's engine without processes) and the reconciler over it.
export { PluginManager } from './plugins/plugin-manager.ts';
export type { InstallRequest, PluginManagerDeps, StatusChange } from './plugins/plugin-manager.ts';
export { Reconciler } from './reconcile/reconciler.ts';
export type {
  Engine,
  EngineDescription,
  ExitInfo,
  InstalledVersion,
  InstallEnvironmentRequest,
  LaunchRequest,
  PluginProcess,
} from './engine/engine.ts';
