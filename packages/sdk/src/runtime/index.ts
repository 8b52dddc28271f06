/**
 * What tools built on the SDK need: loading a plugin, building its manifest, the serve options.
 * `@plugboard/sdk/runtime/process` runs a plugin as a process. Plugin code imports neither.
 *
 * @module @plugboard/sdk/runtime
 */
export { resolveServeOptions, serveOptionsSchema } from './serve-options.ts';
export type { ResolvedServeOptions, ServeOptionsInput } from './serve-options.ts';
export { loadPlugin } from './load-plugin.ts';
export type { LoadedPlugin } from './load-plugin.ts';
export { RUNTIME_ERROR_CODES, RuntimeError } from './runtime-error.ts';
export type { RuntimeErrorCode } from './runtime-error.ts';
export { buildManifest } from '../manifest/build-manifest.ts';
export { canonicalJson } from '@plugboard/protocol';
export { SDK_VERSION } from '../sdk-version.ts';
