/**
 * Declare a plugin, its nodes and its integrations. `z` is zod, re-exported so that a plugin's
 * schemas and the SDK share one copy; the process runtime is in `@plugboard/sdk/runtime`, the test
 * harness in `@plugboard/sdk/testing`.
 *
 * @example
 * ```ts
 * import { definePlugin, defineNode, z } from '@plugboard/sdk';
 * ```
 *
 * @module @plugboard/sdk
 */
export { z } from 'zod';
export { definePlugin, isPlugin } from './define-plugin.ts';
export type { ConfigProblems, Plugin, PluginOptions } from './define-plugin.ts';
export { defineNode } from './define-node.ts';
export type {
  AnyNode,
  CredentialsOf,
  DynamicConfigResult,
  EmptyObjectSchema,
  Node,
  NodeOptions,
} from './define-node.ts';
export { defineIntegration } from './define-integration.ts';
export type { Integration, IntegrationOptions, ReadyResult } from './define-integration.ts';
export { PluginError, isPluginError } from './plugin-error.ts';
export type { PluginErrorOptions } from './plugin-error.ts';
export { PluginDefinitionError } from './definition-error.ts';
export { file, secret } from './fields.ts';
export type { ExecutionContext, HookContext } from './context.ts';
export type { LogFields, Logger } from './logger.ts';
export type { CreateFileOptions, FileContent, FileHelper } from './files/file-helper.ts';
export { PlugboardFile } from './files/plugboard-file.ts';
export type { FileRef, Issue } from '@plugboard/protocol';
