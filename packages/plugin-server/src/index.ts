/**
 * @module @plugboard/plugin-server — the Plugin Server, for `plugboard server` and for embedding.
 */
export { createPluginServer } from './plugin-server.ts';
export type { PluginServer, PluginServerOptions } from './plugin-server.ts';
export { loadServerConfig, serverConfigSchema, SERVER_ENV } from './config.ts';
export type { ServerConfig, ServerConfigInput } from './config.ts';
export { SERVER_ERROR_CODES, ServerError } from './errors.ts';
export type { ServerErrorCode } from './errors.ts';
export { pluginSourceSchema } from './sources/plugin-source.ts';
export type { PluginSource } from './sources/plugin-source.ts';
export { marketplaceIndexSchema } from './sources/marketplace-index.ts';
export type { MarketplaceIndex } from './sources/marketplace-index.ts';
export { pluginDetailSchema, pluginViewSchema } from './plugins/plugin-view.ts';
export type { PluginDetail, PluginView } from './plugins/plugin-view.ts';
export { statusEventSchema, STATUS_WEBHOOK_PATH } from './webhooks/status-event.ts';
export type { StatusEvent } from './webhooks/status-event.ts';
export { WEBHOOK_HEADERS, signedHeaders, verify as verifyWebhook } from './webhooks/signature.ts';
export {
  DESIRED_STATE_PATH,
  desiredStateSchema,
  reconcileReportSchema,
} from './reconcile/desired-state.ts';
export type { DesiredPlugin, DesiredState, ReconcileReport } from './reconcile/desired-state.ts';
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
