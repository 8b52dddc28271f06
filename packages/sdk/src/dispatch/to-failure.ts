/**
 * @module Turns anything a node or hook throws into a PluginFailure, keeping its message: the
 * caller should read why a node failed, not "An unexpected error occurred".
 */
import { PLUGIN_ERROR_CODES } from '@plugboard/protocol';
import { isPluginError } from '../plugin-error.ts';
import { PluginFailure } from './plugin-failure.ts';

export function toFailure(error: unknown): PluginFailure {
  if (error instanceof PluginFailure) {
    return error;
  }
  if (isPluginError(error)) {
    return new PluginFailure({
      code: error.code,
      kind: 'plugin',
      status: PLUGIN_ERROR_CODES.PLUGIN_NODE_FAILED.status,
      retryable: error.retryable,
      message: error.message,
      details: error.details,
    });
  }
  if (error instanceof Error) {
    return PluginFailure.of('PLUGIN_UNHANDLED_ERROR', error.message || error.name, {
      errorName: error.name,
    });
  }
  return PluginFailure.of(
    'PLUGIN_UNHANDLED_ERROR',
    `the node threw a non-Error value: ${String(error)}`,
    {
      errorName: typeof error,
    },
  );
}
