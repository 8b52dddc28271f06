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

/** Where, inside its sandbox, a plugin granted the network finds the egress proxy. */
export const EGRESS_PROXY_PORT = 3128;

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
  socketPath: {
    name: 'PLUGBOARD_PLUGIN_SOCKET',
    description:
      'Listen on this Unix socket instead of a TCP port, and announce it with a version 2 handshake (a sandboxed plugin has no network).',
  },
  fileBridgeSocket: {
    name: 'PLUGBOARD_FILE_BRIDGE_SOCKET',
    description:
      'Unix socket on which the file bridge is reached (its URL then only names the paths); set for sandboxed plugins.',
  },
  egressSocket: {
    name: 'PLUGBOARD_EGRESS_SOCKET',
    description: `Unix socket of the Plugin Server's egress proxy, for a sandboxed plugin granted the network: the process serves it on 127.0.0.1:${String(EGRESS_PROXY_PORT)} inside its sandbox, where HTTP_PROXY and HTTPS_PROXY point.`,
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
