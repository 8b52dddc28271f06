/**
 * @module Environment variables a plugin process reads at launch.
 *
 * The Plugin Server starts each plugin with an empty environment plus these, so this table is
 * the whole of what a plugin learns from its parent.
 */

export interface PluginEnvVar {
  readonly name: string;
  readonly description: string;
}

export const PLUGIN_ENV = {
  token: {
    name: 'PLUGBOARD_PLUGIN_TOKEN',
    description:
      'Per-launch secret every request but `/health` must carry as `Authorization: Bearer <token>`. When unset, the process generates one and logs it.',
  },
  fileBridgeUrl: {
    name: 'PLUGBOARD_FILE_BRIDGE_URL',
    description: "Base URL of the Plugin Server's file bridge (`GET /files/{id}`, `POST /files`).",
  },
  maxConcurrency: {
    name: 'PLUGBOARD_MAX_CONCURRENCY',
    description: 'Executions and hooks in flight before the process answers 503 (default 16).',
  },
  drainTimeoutMs: {
    name: 'PLUGBOARD_DRAIN_TIMEOUT_MS',
    description:
      'Milliseconds in-flight work may take to finish after SIGTERM before it is aborted (default 10000).',
  },
  defaultTimeoutMs: {
    name: 'PLUGBOARD_DEFAULT_TIMEOUT_MS',
    description: 'Deadline of a request that names none in `context.timeoutMs` (default 60000).',
  },
  maxBodyBytes: {
    name: 'PLUGBOARD_MAX_BODY_BYTES',
    description:
      'Largest request body accepted, in bytes (default 16 MiB); larger data travels as files.',
  },
  logLevel: {
    name: 'PLUGBOARD_LOG_LEVEL',
    description:
      'Level of the JSON log on stderr: fatal, error, warn, info (default), debug, trace or silent.',
  },
} as const satisfies Record<string, PluginEnvVar>;
