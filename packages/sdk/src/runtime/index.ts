/**
 * What runs a plugin as a process, and what tools built on the SDK need (loading a plugin,
 * building its manifest). Plugin code does not import this.
 *
 * @module @plugboard/sdk/runtime
 */
export { runPluginProcess } from './run-plugin-process.ts';
export type { PluginProcessInput } from './run-plugin-process.ts';
export { resolveServeOptions, serveOptionsSchema } from './serve-options.ts';
export type { ResolvedServeOptions, ServeOptionsInput } from './serve-options.ts';
export { loadPlugin } from './load-plugin.ts';
export type { LoadedPlugin } from './load-plugin.ts';
export { RUNTIME_ERROR_CODES, RuntimeError } from './runtime-error.ts';
export type { RuntimeErrorCode } from './runtime-error.ts';
export { buildManifest } from '../manifest/build-manifest.ts';
export { canonicalJson } from '@plugboard/protocol';
export { SDK_VERSION } from '../sdk-version.ts';
