/**
 * @module @plugboard/sdk/testing — unit-test a plugin's nodes in-process.
 *
 * @example
 * ```ts
 * import { createTestHarness } from '@plugboard/sdk/testing';
 * import plugin, { shout } from '../src/index.ts';
 *
 * const harness = createTestHarness(plugin);
 * assert.deepEqual(await harness.execute(shout, { text: 'hi' }), { text: 'HI' });
 * ```
 */
export { createTestHarness } from './test-harness.ts';
export type { CallOptions, TestHarness, TestHarnessOptions } from './test-harness.ts';
export type { LogEntry } from './memory-logger.ts';
export type { MemoryFileStore } from '../files/memory-file-transport.ts';
export { PluginFailure } from '../dispatch/plugin-failure.ts';
