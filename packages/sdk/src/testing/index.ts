/**
 * Unit-test a plugin's nodes in-process: they run through the same dispatcher as in a plugin
 * process, with files kept in memory and logs recorded.
 *
 * @example
 * ```ts
 * import { createTestHarness } from '@plugboard/sdk/testing';
 * import plugin, { shout } from '../src/index.ts';
 *
 * const harness = createTestHarness(plugin);
 * assert.deepEqual(await harness.execute(shout, { text: 'hi' }), { text: 'HI' });
 * ```
 *
 * @module @plugboard/sdk/testing
 */
export { createTestHarness } from './test-harness.ts';
export type { CallOptions, TestHarness, TestHarnessOptions } from './test-harness.ts';
export type { LogEntry } from './memory-logger.ts';
export type { MemoryFileStore } from '../files/memory-file-transport.ts';
export type {
  FileBytes,
  FileCallOptions,
  FileDownload,
  FileTransport,
  FileUploadMeta,
} from '../files/file-transport.ts';
export { PluginFailure } from '../dispatch/plugin-failure.ts';
