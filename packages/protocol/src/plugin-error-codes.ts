/**
 * @module Error codes a plugin process answers with, each with its kind, HTTP status and retry rule.
 *
 * A closed table: adding a code means adding its row, and the `Record` types make a missing row a
 * compile error. Node authors' own `PluginError` codes travel under kind `plugin` with status 422.
 */
import type { ErrorKind } from './error-envelope.ts';

export interface ErrorCodeSpec {
  readonly kind: ErrorKind;
  readonly status: number;
  readonly retryable: boolean;
  readonly description: string;
}

export const PLUGIN_ERROR_CODES = {
  PLUGIN_UNAUTHORIZED: {
    kind: 'user',
    status: 401,
    retryable: false,
    description:
      'The request lacks the per-launch token as `Authorization: Bearer <token>`, or carries a wrong one.',
  },
  PLUGIN_BAD_REQUEST: {
    kind: 'user',
    status: 400,
    retryable: false,
    description: 'The body is not JSON, or not the shape the route expects.',
  },
  PLUGIN_VALIDATION_FAILED: {
    kind: 'user',
    status: 400,
    retryable: false,
    description:
      'Inputs, config or credentials do not match the declared schema; `details.issues` lists each failing path.',
  },
  PLUGIN_CREDENTIALS_MISSING: {
    kind: 'user',
    status: 400,
    retryable: false,
    description: 'The node declares an integration whose credentials the request did not carry.',
  },
  PLUGIN_NOT_FOUND: {
    kind: 'user',
    status: 404,
    retryable: false,
    description: 'Unknown route, node or integration; `details.available` lists what exists.',
  },
  PLUGIN_PAYLOAD_TOO_LARGE: {
    kind: 'user',
    status: 413,
    retryable: false,
    description: 'The request body is larger than the plugin accepts; pass large data as files.',
  },
  PLUGIN_OVERLOADED: {
    kind: 'operational',
    status: 503,
    retryable: true,
    description:
      'The plugin already runs its maximum number of executions; retry after `Retry-After` seconds.',
  },
  PLUGIN_SHUTTING_DOWN: {
    kind: 'operational',
    status: 503,
    retryable: true,
    description: 'The plugin is draining after SIGTERM and takes no new work.',
  },
  PLUGIN_DEADLINE_EXCEEDED: {
    kind: 'operational',
    status: 504,
    retryable: true,
    description:
      'The execution did not finish before its deadline; the node was told to stop through its signal.',
  },
  PLUGIN_CANCELLED: {
    kind: 'operational',
    status: 499,
    retryable: false,
    description: 'The caller went away or cancelled; the node was told to stop through its signal.',
  },
  PLUGIN_FILES_UNAVAILABLE: {
    kind: 'operational',
    status: 503,
    retryable: false,
    description:
      'A node used ctx.files but the process has no file bridge or the request no call token.',
  },
  PLUGIN_FILE_BRIDGE_FAILED: {
    kind: 'operational',
    status: 502,
    retryable: true,
    description: 'The file bridge could not be reached or answered something unexpected.',
  },
  PLUGIN_NODE_FAILED: {
    kind: 'plugin',
    status: 422,
    retryable: false,
    description:
      "The node threw a PluginError; the envelope carries the author's own code, message and retryable flag.",
  },
  PLUGIN_UNHANDLED_ERROR: {
    kind: 'plugin',
    status: 500,
    retryable: false,
    description:
      'The node threw something other than a PluginError; its message is kept and its type is in `details.errorName`.',
  },
  PLUGIN_OUTPUT_INVALID: {
    kind: 'plugin',
    status: 500,
    retryable: false,
    description:
      'The node returned outputs that do not match its own output schema; a bug in the plugin.',
  },
  PLUGIN_INTERNAL: {
    kind: 'internal',
    status: 500,
    retryable: false,
    description: 'A bug in the Plugboard SDK runtime.',
  },
} as const satisfies Record<string, ErrorCodeSpec>;

export type PluginErrorCode = keyof typeof PLUGIN_ERROR_CODES;
