/**
 * @module The Plugin Server's configuration: one schema, read from the environment (and flags
 * layered on top by the caller), parsed once at start with every problem reported together.
 */
import { resolve } from 'node:path';
import ipaddr from 'ipaddr.js';
import { z } from 'zod';
import {
  envBoolean,
  envList,
  envMilliseconds,
  readEnvConfig,
  type EnvTable,
} from '@plugboard/env-config';
import { ServerError } from './errors.ts';

const bool = envBoolean;
const ms = envMilliseconds;
const list = envList;

export const serverConfigSchema = z
  .object({
    dataDir: z
      .string()
      .min(1)
      .default('.plugboard/plugin-server')
      .describe('Where plugins, logs, uploads and state live.'),
    host: z.string().min(1).default('127.0.0.1').describe('Listen address of the API.'),
    port: z.coerce
      .number()
      .int()
      .min(0)
      .max(65535)
      .default(4010)
      .describe('Listen port of the API; 0 picks a free one.'),
    apiKeys: list
      .pipe(
        z
          .array(z.string().min(16, { message: 'API keys must be at least 16 characters' }))
          .min(1, { message: 'set at least one API key' }),
      )
      .describe('Keys accepted as `Authorization: Bearer <key>`; list two while rotating.'),
    platformUrl: z
      .url()
      .optional()
      .describe('Base URL of the platform (uploads are fetched from it).'),
    platformApiKey: z
      .string()
      .min(16)
      .optional()
      .describe('Key this server presents to the platform.'),
    webhookSecret: z
      .string()
      .min(24)
      .optional()
      .describe(
        'Signs status webhooks (Standard Webhooks: `whsec_<base64>`, or any 24+ characters); needed with platformUrl.',
      ),
    reconcileIntervalMs: ms(30_000).describe(
      'How often the desired state is pulled from the platform and reconciled (the platform also nudges a pull at its start).',
    ),
    devMode: bool
      .default(false)
      .describe('Allows local-folder sources and private git hosts. Never in production.'),
    marketplaceUrl: z.url().optional().describe('URL of the marketplace index (JSON).'),
    logLevel: z
      .enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'])
      .default('info')
      .describe('The least severe log lines written (to stderr, as JSON).'),
    limits: z
      .object({
        maxBodyBytes: z.coerce
          .number()
          .int()
          .min(1024)
          .default(16 * 1024 * 1024)
          .describe('Largest request body forwarded to a plugin; send large data as files.'),
        maxUploadBytes: z.coerce
          .number()
          .int()
          .min(1024)
          .default(100 * 1024 * 1024)
          .describe('Largest plugin archive an upload may be.'),
        handshakeTimeoutMs: ms(15_000).describe(
          'How long a plugin process may take from spawn to its handshake.',
        ),
        requestTimeoutMs: ms(60_000).describe(
          "Deadline of a forwarded call that names none (x-plugboard-timeout-ms), and of calls to a plugin's own routes.",
        ),
        connectionsPerPlugin: z.coerce
          .number()
          .int()
          .min(1)
          .max(1024)
          .default(32)
          .describe(
            'Calls a plugin process runs at once (its concurrency slots, and connections to it).',
          ),
        queuePerPlugin: z.coerce
          .number()
          .int()
          .min(0)
          .max(100_000)
          .default(256)
          .describe(
            'Calls waiting for a plugin beyond those running; more are refused with a retryable 503.',
          ),
        installTimeoutMs: ms(300_000).describe('Longest an install of dependencies may take.'),
        gitTimeoutMs: ms(120_000).describe('Longest a git fetch may take.'),
        gitMaxBytes: z.coerce
          .number()
          .int()
          .min(1024)
          .default(200 * 1024 * 1024)
          .describe('Largest git checkout a source may be.'),
        maxLogBytes: z.coerce
          .number()
          .int()
          .min(1024)
          .default(5 * 1024 * 1024)
          .describe("Size of a plugin's log file before it is rotated (one old file is kept)."),
        parallelInstalls: z.coerce
          .number()
          .int()
          .min(1)
          .max(64)
          .default(4)
          .describe('Installs running at once, across plugins.'),
      })
      .prefault({}),
    supervision: z
      .object({
        healthIntervalMs: ms(10_000).describe(
          'How often each plugin process is asked for its health.',
        ),
        healthTimeoutMs: ms(2_000).describe(
          'How long a health check may take before it counts as failed.',
        ),
        healthFailures: z.coerce
          .number()
          .int()
          .min(1)
          .default(3)
          .describe('Failed health checks in a row after which the process is replaced.'),
        restartBaseMs: ms(1_000).describe(
          'First wait before restarting a crashed plugin (the first restart is immediate); it doubles, with jitter.',
        ),
        restartMaxMs: ms(300_000).describe('Longest wait between restarts.'),
        crashLoopCount: z.coerce
          .number()
          .int()
          .min(1)
          .default(5)
          .describe('Crashes within crashLoopWindowMs after which a plugin is left in `error`.'),
        crashLoopWindowMs: ms(600_000).describe('The window crashLoopCount counts crashes in.'),
        healthyResetMs: ms(600_000).describe(
          'A run this long without a crash resets the restart backoff.',
        ),
        stopGraceMs: ms(10_000).describe(
          'How long a stopping plugin may finish its calls before it is killed.',
        ),
      })
      .prefault({}),
    versions: z
      .object({
        keep: z.coerce
          .number()
          .int()
          .min(1)
          .max(16)
          .default(3)
          .describe(
            'Versions of a plugin kept installed, the current one included: the ones pinned workflows run on and a rollback returns to. The oldest others are removed.',
          ),
        idleStopMs: z.coerce
          .number()
          .int()
          .min(0)
          .max(7 * 86_400_000)
          .default(600_000)
          .describe(
            'A version other than the current one is started on its first call and stopped after this long without one; 0 keeps it running once started.',
          ),
        probationMs: ms(600_000).describe(
          'How long after it is made current a version that crash-loops is rolled back to the previous one automatically.',
        ),
      })
      .prefault({}),
    install: z
      .object({
        installers: list
          .pipe(z.array(z.enum(['bun', 'npm', 'pnpm'])).min(1))
          .default(['bun', 'npm'])
          .describe(
            'Installers to use, in order of preference, for a package whose lockfile does not name one.',
          ),
        registry: z
          .url()
          .optional()
          .describe(
            "The npm registry to install from (else npm's default, or the operator's .npmrc).",
          ),
        offline: bool
          .default(false)
          .describe('Install from the package cache only, never the network.'),
        allowScripts: bool
          .default(false)
          .describe(
            "Run dependencies' install scripts (confined like the installer); off by default.",
          ),
      })
      .prefault({}),
    gitCaFile: z
      .string()
      .optional()
      .describe('Extra CA bundle for git hosts with private certificates.'),
    sandbox: z
      .object({
        mode: z
          .enum(['strict', 'auto', 'off'])
          .default('auto')
          .describe(
            '`strict` (production): refuse to start a plugin the host cannot fully confine; `auto`: use every layer the host has and report what is missing; `off`: no sandbox (trusted plugins only).',
          ),
        uidBase: z.coerce
          .number()
          .int()
          .min(1000)
          .max(2_000_000_000)
          .default(200_000)
          .describe('First uid/gid given to plugins (each plugin id gets its own, when root).'),
        memoryMiB: z.coerce
          .number()
          .int()
          .min(64)
          .default(512)
          .describe('Memory per plugin unless its manifest asks for more.'),
        maxMemoryMiB: z.coerce
          .number()
          .int()
          .min(64)
          .default(4096)
          .describe('The most memory a manifest may ask for.'),
        cpus: z.coerce
          .number()
          .positive()
          .default(1)
          .describe('CPU cores per plugin unless its manifest asks for more.'),
        maxCpus: z.coerce
          .number()
          .positive()
          .default(2)
          .describe('The most CPU cores a manifest may ask for.'),
        processes: z.coerce
          .number()
          .int()
          .min(16)
          .default(64)
          .describe('Processes and threads per plugin (Node itself runs about a dozen threads).'),
        maxProcesses: z.coerce
          .number()
          .int()
          .min(16)
          .default(512)
          .describe('The most processes a manifest may ask for.'),
        openFiles: z.coerce
          .number()
          .int()
          .min(64)
          .default(1024)
          .describe('Open files per plugin process.'),
        scratchMiB: z.coerce
          .number()
          .int()
          .min(1)
          .default(256)
          .describe("Size of a plugin's scratch folder and of its /tmp."),
      })
      .prefault({}),
    allowChildProcess: list
      .default([])
      .describe('Plugin ids granted child processes (their manifest must ask for them too).'),
    allowNetwork: list
      .default([])
      .describe(
        'Plugin ids granted the network their manifest asks for (through the egress proxy, public addresses only).',
      ),
    egressAllow: list
      .pipe(
        z.array(
          z.string().refine((cidr) => ipaddr.isValidCIDR(cidr), {
            message: 'a CIDR range such as 10.20.0.0/16 or 127.0.0.1/32',
          }),
        ),
      )
      .default([])
      .describe(
        'Non-public address ranges (CIDR) plugins granted the network may reach: loopback, private, link-local and metadata stay closed otherwise.',
      ),
    pluginEnv: list
      .default([])
      .describe(
        'Host environment variable names a plugin may receive, when its manifest asks for them.',
      ),
  })
  .superRefine((config, ctx) => {
    if (config.platformUrl !== undefined && config.webhookSecret === undefined) {
      ctx.addIssue({
        code: 'custom',
        path: ['webhookSecret'],
        message:
          'a platform URL is set, so set PLUGBOARD_WEBHOOK_SECRET too (status webhooks are always signed)',
      });
    }
  });

export type ServerConfigInput = z.input<typeof serverConfigSchema>;
export type ServerConfig = Readonly<z.output<typeof serverConfigSchema>>;

/** Environment variable → config path. `<NAME>_FILE` reads the value from a file (for secrets). */
export const SERVER_ENV: EnvTable = {
  PLUGBOARD_SERVER_DATA_DIR: ['dataDir'],
  PLUGBOARD_SERVER_HOST: ['host'],
  PLUGBOARD_SERVER_PORT: ['port'],
  PLUGBOARD_SERVER_API_KEYS: ['apiKeys'],
  PLUGBOARD_PLATFORM_URL: ['platformUrl'],
  PLUGBOARD_PLATFORM_API_KEY: ['platformApiKey'],
  PLUGBOARD_WEBHOOK_SECRET: ['webhookSecret'],
  PLUGBOARD_SERVER_RECONCILE_INTERVAL_MS: ['reconcileIntervalMs'],
  PLUGBOARD_SERVER_PARALLEL_INSTALLS: ['limits', 'parallelInstalls'],
  PLUGBOARD_SERVER_DEV_MODE: ['devMode'],
  PLUGBOARD_MARKETPLACE_URL: ['marketplaceUrl'],
  PLUGBOARD_SERVER_LOG_LEVEL: ['logLevel'],
  PLUGBOARD_SERVER_HANDSHAKE_TIMEOUT_MS: ['limits', 'handshakeTimeoutMs'],
  PLUGBOARD_SERVER_REQUEST_TIMEOUT_MS: ['limits', 'requestTimeoutMs'],
  PLUGBOARD_SERVER_MAX_UPLOAD_BYTES: ['limits', 'maxUploadBytes'],
  PLUGBOARD_SERVER_MAX_BODY_BYTES: ['limits', 'maxBodyBytes'],
  PLUGBOARD_SERVER_CONNECTIONS_PER_PLUGIN: ['limits', 'connectionsPerPlugin'],
  PLUGBOARD_SERVER_QUEUE_PER_PLUGIN: ['limits', 'queuePerPlugin'],
  PLUGBOARD_SERVER_INSTALL_TIMEOUT_MS: ['limits', 'installTimeoutMs'],
  PLUGBOARD_SERVER_GIT_TIMEOUT_MS: ['limits', 'gitTimeoutMs'],
  PLUGBOARD_SERVER_GIT_MAX_BYTES: ['limits', 'gitMaxBytes'],
  PLUGBOARD_SERVER_MAX_LOG_BYTES: ['limits', 'maxLogBytes'],
  PLUGBOARD_SERVER_HEALTH_INTERVAL_MS: ['supervision', 'healthIntervalMs'],
  PLUGBOARD_SERVER_HEALTH_TIMEOUT_MS: ['supervision', 'healthTimeoutMs'],
  PLUGBOARD_SERVER_HEALTH_FAILURES: ['supervision', 'healthFailures'],
  PLUGBOARD_SERVER_RESTART_BASE_MS: ['supervision', 'restartBaseMs'],
  PLUGBOARD_SERVER_RESTART_MAX_MS: ['supervision', 'restartMaxMs'],
  PLUGBOARD_SERVER_CRASH_LOOP_COUNT: ['supervision', 'crashLoopCount'],
  PLUGBOARD_SERVER_CRASH_LOOP_WINDOW_MS: ['supervision', 'crashLoopWindowMs'],
  PLUGBOARD_SERVER_HEALTHY_RESET_MS: ['supervision', 'healthyResetMs'],
  PLUGBOARD_SERVER_STOP_GRACE_MS: ['supervision', 'stopGraceMs'],
  PLUGBOARD_SERVER_VERSIONS_KEEP: ['versions', 'keep'],
  PLUGBOARD_SERVER_VERSIONS_IDLE_STOP_MS: ['versions', 'idleStopMs'],
  PLUGBOARD_SERVER_VERSIONS_PROBATION_MS: ['versions', 'probationMs'],
  PLUGBOARD_SERVER_INSTALLERS: ['install', 'installers'],
  PLUGBOARD_SERVER_NPM_REGISTRY: ['install', 'registry'],
  PLUGBOARD_SERVER_OFFLINE_INSTALL: ['install', 'offline'],
  PLUGBOARD_SERVER_ALLOW_INSTALL_SCRIPTS: ['install', 'allowScripts'],
  PLUGBOARD_SERVER_GIT_CA_FILE: ['gitCaFile'],
  PLUGBOARD_SERVER_ALLOW_CHILD_PROCESS: ['allowChildProcess'],
  PLUGBOARD_SERVER_PLUGIN_ENV: ['pluginEnv'],
  PLUGBOARD_SERVER_ALLOW_NETWORK: ['allowNetwork'],
  PLUGBOARD_SERVER_EGRESS_ALLOW: ['egressAllow'],
  PLUGBOARD_SERVER_SANDBOX: ['sandbox', 'mode'],
  PLUGBOARD_SERVER_SANDBOX_UID_BASE: ['sandbox', 'uidBase'],
  PLUGBOARD_SERVER_PLUGIN_MEMORY_MIB: ['sandbox', 'memoryMiB'],
  PLUGBOARD_SERVER_PLUGIN_MAX_MEMORY_MIB: ['sandbox', 'maxMemoryMiB'],
  PLUGBOARD_SERVER_PLUGIN_CPUS: ['sandbox', 'cpus'],
  PLUGBOARD_SERVER_PLUGIN_MAX_CPUS: ['sandbox', 'maxCpus'],
  PLUGBOARD_SERVER_PLUGIN_PROCESSES: ['sandbox', 'processes'],
  PLUGBOARD_SERVER_PLUGIN_MAX_PROCESSES: ['sandbox', 'maxProcesses'],
  PLUGBOARD_SERVER_PLUGIN_OPEN_FILES: ['sandbox', 'openFiles'],
  PLUGBOARD_SERVER_PLUGIN_SCRATCH_MIB: ['sandbox', 'scratchMiB'],
};

/**
 * Reads the environment, lays `overrides` (flags, or a test's settings) on top, and parses once.
 * Every problem is reported in one PSRV_CONFIG_INVALID error.
 */
export function loadServerConfig(
  env: Readonly<Record<string, string | undefined>>,
  overrides: Partial<ServerConfigInput> = {},
): ServerConfig {
  const result = readEnvConfig(serverConfigSchema, SERVER_ENV, { env, overrides });
  if (!result.ok) {
    throw new ServerError(
      'PSRV_CONFIG_INVALID',
      `invalid Plugin Server configuration:\n  - ${result.problems.join('\n  - ')}`,
      { details: { problems: result.problems } },
    );
  }
  return Object.freeze({ ...result.value, dataDir: resolve(result.value.dataDir) });
}
