/**
 * @module Options of a plugin process, from flags and its environment, parsed once at start with
 * every problem reported together.
 */
import { randomBytes } from 'node:crypto';
import { z } from 'zod';
import { PLUGIN_ENV, PLUGIN_HOST } from '@plugboard/protocol';
import { describeIssues, toIssues } from '../dispatch/issues.ts';
import { LOG_LEVELS, type LogLevel } from './json-log.ts';
import { RuntimeError } from './runtime-error.ts';

export const serveOptionsSchema = z.object({
  dir: z.string().min(1).describe('The plugin folder (holding package.json).'),
  port: z.coerce
    .number()
    .int()
    .min(0)
    .max(65535)
    .default(0)
    .describe('TCP port on 127.0.0.1; 0 lets the OS pick.'),
  token: z
    .string()
    .min(16)
    .optional()
    .describe('Per-launch token; generated and logged when unset.'),
  socketPath: z
    .string()
    .startsWith('/')
    .max(107)
    .optional()
    .describe('Unix socket to listen on instead of a TCP port (handshake version 2).'),
  egressSocket: z
    .string()
    .startsWith('/')
    .optional()
    .describe("The Plugin Server's egress proxy, for a sandboxed plugin granted the network."),
  fileBridgeUrl: z.url({ protocol: /^https?$/ }).optional(),
  fileBridgeSocket: z
    .string()
    .startsWith('/')
    .optional()
    .describe('Unix socket on which the file bridge listens.'),
  maxConcurrency: z.coerce.number().int().min(1).max(10_000).default(16),
  drainTimeoutMs: z.coerce.number().int().min(0).max(600_000).default(10_000),
  defaultTimeoutMs: z.coerce.number().int().min(1).max(86_400_000).default(60_000),
  maxBodyBytes: z.coerce
    .number()
    .int()
    .min(1024)
    .default(16 * 1024 * 1024),
  logLevel: z.enum(Object.keys(LOG_LEVELS) as [LogLevel, ...LogLevel[]]).default('info'),
});
export type ServeOptionsInput = z.input<typeof serveOptionsSchema>;

export interface ResolvedServeOptions extends Omit<z.output<typeof serveOptionsSchema>, 'token'> {
  readonly host: typeof PLUGIN_HOST;
  readonly token: string;
  readonly tokenGenerated: boolean;
}

/** Flags win over the environment; the environment names are those in PLUGIN_ENV. */
export function resolveServeOptions(
  flags: Partial<ServeOptionsInput>,
  env: Readonly<Record<string, string | undefined>>,
): ResolvedServeOptions {
  const fromEnv: Partial<Record<keyof typeof PLUGIN_ENV, string>> = {};
  for (const [key, variable] of Object.entries(PLUGIN_ENV) as [
    keyof typeof PLUGIN_ENV,
    { name: string },
  ][]) {
    const value = env[variable.name];
    if (value !== undefined && value !== '') {
      fromEnv[key] = value;
    }
  }
  const defined = Object.fromEntries(Object.entries(flags).filter(([, v]) => v !== undefined));
  const parsed = serveOptionsSchema.safeParse({ ...fromEnv, ...defined });
  if (!parsed.success) {
    throw new RuntimeError(
      'SDK_CONFIG_INVALID',
      `invalid plugin process options: ${describeIssues(toIssues(parsed.error, []))}`,
    );
  }
  const { token, ...rest } = parsed.data;
  return Object.freeze({
    ...rest,
    host: PLUGIN_HOST,
    token: token ?? randomBytes(24).toString('base64url'),
    tokenGenerated: token === undefined,
  });
}
