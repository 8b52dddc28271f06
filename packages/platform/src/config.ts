/**
 * @module The platform's configuration (backend and worker): one schema, read from the
 * environment with flags laid on top, parsed once at start with every problem reported together.
 */
import { resolve } from 'node:path';
import { z } from 'zod';
import {
  envBoolean,
  envList,
  envMilliseconds,
  readEnvConfig,
  type EnvTable,
} from '@plugboard/env-config';
import { PlatformError } from './errors.ts';

const bool = envBoolean;
const ms = envMilliseconds;
const list = envList;
const keyList = (what: string) =>
  list.pipe(
    z
      .array(z.string().min(16, { message: `${what} must be at least 16 characters` }))
      .min(1, { message: `set at least one ${what}` }),
  );

export const platformConfigSchema = z.object({
  dataDir: z
    .string()
    .min(1)
    .default('.plugboard/platform')
    .describe('Where the embedded database and stored files live.'),
  host: z.string().min(1).default('127.0.0.1').describe('Listen address of the API.'),
  port: z.coerce
    .number()
    .int()
    .min(0)
    .max(65535)
    .default(4000)
    .describe('Listen port of the API; 0 picks a free one.'),
  databaseUrl: z
    .string()
    .regex(/^postgres(ql)?:\/\//, { message: 'use a postgres:// or postgresql:// URL' })
    .optional()
    .describe('PostgreSQL connection URL; without it the embedded PGlite in dataDir is used.'),
  databaseTimeoutMs: ms(10_000).describe(
    'Longest a PostgreSQL call (a connection, or one statement) may take; past it the request answers 503 `PLAT_DATABASE_UNAVAILABLE`.',
  ),
  apiTokens: keyList('API token').describe(
    'Tokens users and the CLI present as `Authorization: Bearer <token>`.',
  ),
  secretKey: z
    .string()
    .min(32, { message: 'the secret key must be at least 32 characters' })
    .describe(
      'Encrypts plugin config secrets, git tokens and credentials at rest. Keep it with the backups: without it they cannot be read.',
    ),
  secretKeyPrevious: z
    .union([
      z.array(z.string()),
      // Keys are listed by commas or lines (a `_FILE` may hold one a line).
      z.string().transform((v) =>
        v
          .split(/[,\r\n]+/)
          .map((s) => s.trim())
          .filter(Boolean),
      ),
    ])
    .pipe(
      z.array(
        z.string().min(32, { message: 'each previous secret key must be at least 32 characters' }),
      ),
    )
    .default([])
    .describe(
      'Earlier secret keys, comma-separated (one a line in a `_FILE`), while values sealed under them remain: they open those values and never seal. After changing PLUGBOARD_SECRET_KEY, list the old one here and run `plugboard secrets rotate`; remove it once that reports nothing left under it.',
    ),
  pluginServerUrl: z.url().describe('Base URL of the Plugin Server.'),
  pluginServerApiKey: z
    .string()
    .min(16)
    .describe(
      'Key the platform presents to the Plugin Server (one of its PLUGBOARD_SERVER_API_KEYS).',
    ),
  platformApiKeys: keyList('platform API key').describe(
    'Keys Plugin Servers present to the platform (their PLUGBOARD_PLATFORM_API_KEY).',
  ),
  webhookSecret: z
    .string()
    .min(24)
    .describe('Verifies the Plugin Server’s status webhooks (the same PLUGBOARD_WEBHOOK_SECRET).'),
  embeddedWorker: bool
    .default(true)
    .describe(
      'Run workflows inside the platform process; false when `plugboard worker` runs them.',
    ),
  marketplaceDir: z
    .string()
    .min(1)
    .optional()
    .describe(
      'A marketplace folder (index.json and archives, as `plugboard marketplace build` writes it), served at /marketplace/.',
    ),
  webDir: z
    .string()
    .min(1)
    .optional()
    .describe('The built web UI (packages/web/dist), served at /.'),
  marketplaceUrl: z
    .url()
    .optional()
    .describe(
      'The marketplace index to browse (the one the Plugin Server installs from); without it, the index in marketplaceDir.',
    ),
  logLevel: z
    .enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'])
    .default('info')
    .describe('The least severe log lines written (to stdout, as JSON).'),
  limits: z
    .object({
      maxUploadBytes: z.coerce
        .number()
        .int()
        .min(1024)
        .default(100 * 1024 * 1024)
        .describe('Largest file a user or a plugin may store.'),
      nodeTimeoutMs: ms(60_000).describe('Deadline of a node unless the workflow sets one.'),
      runsInParallel: z.coerce
        .number()
        .int()
        .min(1)
        .max(256)
        .default(4)
        .describe('Runs one worker executes at once; queued runs wait for a free one.'),
      nodesInParallel: z.coerce
        .number()
        .int()
        .min(1)
        .max(256)
        .default(8)
        .describe('Nodes of one run executing at once, where the graph allows.'),
      abandonedAfterMs: ms(60_000).describe(
        'A running run whose worker has not beaten for this long, while the database was there to take the beats, ends `failed` (its worker stopped). Workers beat several times within it.',
      ),
      drainMs: ms(15_000).describe(
        'On shutdown, how long runs in progress may go on to their end; runs still going then end `failed`. Queued runs wait for the next start.',
      ),
      callTokenTtlMs: ms(3_600_000).describe('How long a node execution’s file token lives.'),
    })
    .prefault({}),
});

export type PlatformConfigInput = z.input<typeof platformConfigSchema>;
export type PlatformConfig = Readonly<z.output<typeof platformConfigSchema>>;

/** Environment variable → config path. `<NAME>_FILE` reads the value from a file. */
export const PLATFORM_ENV: EnvTable = {
  PLUGBOARD_PLATFORM_DATA_DIR: ['dataDir'],
  PLUGBOARD_PLATFORM_HOST: ['host'],
  PLUGBOARD_PLATFORM_PORT: ['port'],
  PLUGBOARD_DATABASE_URL: ['databaseUrl'],
  PLUGBOARD_DATABASE_TIMEOUT_MS: ['databaseTimeoutMs'],
  PLUGBOARD_API_TOKENS: ['apiTokens'],
  PLUGBOARD_SECRET_KEY: ['secretKey'],
  PLUGBOARD_SECRET_KEY_PREVIOUS: ['secretKeyPrevious'],
  PLUGBOARD_PLUGIN_SERVER_URL: ['pluginServerUrl'],
  PLUGBOARD_PLUGIN_SERVER_API_KEY: ['pluginServerApiKey'],
  PLUGBOARD_PLATFORM_API_KEY: ['platformApiKeys'],
  PLUGBOARD_WEBHOOK_SECRET: ['webhookSecret'],
  PLUGBOARD_EMBEDDED_WORKER: ['embeddedWorker'],
  PLUGBOARD_MARKETPLACE_DIR: ['marketplaceDir'],
  PLUGBOARD_MARKETPLACE_URL: ['marketplaceUrl'],
  PLUGBOARD_WEB_DIR: ['webDir'],
  PLUGBOARD_PLATFORM_LOG_LEVEL: ['logLevel'],
  PLUGBOARD_MAX_UPLOAD_BYTES: ['limits', 'maxUploadBytes'],
  PLUGBOARD_NODE_TIMEOUT_MS: ['limits', 'nodeTimeoutMs'],
  PLUGBOARD_RUNS_IN_PARALLEL: ['limits', 'runsInParallel'],
  PLUGBOARD_NODES_IN_PARALLEL: ['limits', 'nodesInParallel'],
  PLUGBOARD_WORKER_DRAIN_MS: ['limits', 'drainMs'],
  PLUGBOARD_WORKER_ABANDONED_AFTER_MS: ['limits', 'abandonedAfterMs'],
  PLUGBOARD_CALL_TOKEN_TTL_MS: ['limits', 'callTokenTtlMs'],
};

export function loadPlatformConfig(
  env: Readonly<Record<string, string | undefined>>,
  overrides: Partial<PlatformConfigInput> = {},
): PlatformConfig {
  const value = parsed('platform', platformConfigSchema, {
    table: PLATFORM_ENV,
    env,
    overrides,
  });
  return Object.freeze({
    ...value,
    dataDir: resolve(value.dataDir),
    ...(value.webDir === undefined ? {} : { webDir: resolve(value.webDir) }),
    ...(value.marketplaceDir === undefined
      ? {}
      : { marketplaceDir: resolve(value.marketplaceDir) }),
  });
}

/** What a secret key rotation needs of the platform's settings: its database and its keys. */
const secretRotationConfigSchema = platformConfigSchema.pick({
  dataDir: true,
  databaseUrl: true,
  databaseTimeoutMs: true,
  secretKey: true,
  secretKeyPrevious: true,
});
export type SecretRotationConfigInput = z.input<typeof secretRotationConfigSchema>;
export type SecretRotationConfig = Readonly<z.output<typeof secretRotationConfigSchema>>;

/** The same variables as the platform's, those of the rotation's settings only. */
export function loadSecretRotationConfig(
  env: Readonly<Record<string, string | undefined>>,
  overrides: Partial<SecretRotationConfigInput> = {},
): SecretRotationConfig {
  const settings = Object.keys(secretRotationConfigSchema.shape);
  const table = Object.fromEntries(
    Object.entries(PLATFORM_ENV).filter(([, path]) => settings.includes(path[0] ?? '')),
  );
  const value = parsed('secret rotation', secretRotationConfigSchema, { table, env, overrides });
  return Object.freeze({ ...value, dataDir: resolve(value.dataDir) });
}

function parsed<S extends z.ZodType>(
  what: string,
  schema: S,
  input: {
    readonly table: EnvTable;
    readonly env: Readonly<Record<string, string | undefined>>;
    readonly overrides: Record<string, unknown>;
  },
): z.output<S> {
  const result = readEnvConfig(schema, input.table, input);
  if (!result.ok) {
    throw new PlatformError(
      'PLAT_CONFIG_INVALID',
      `invalid ${what} configuration:\n  - ${result.problems.join('\n  - ')}`,
      { details: { problems: result.problems } },
    );
  }
  return result.value;
}
