// The platform built in-process for API tests, as `plugboard platform` builds it: real config,
// real HTTP on port 0, embedded PGlite in a temp folder or a fresh PostgreSQL database. Also the
// pieces those tests share: a JSON client, signed status webhooks, a valid manifest, and an SSE
// reader.
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { pino } from 'pino';
import { manifestSchema, type Manifest } from '@plugboard/protocol';
import { signedHeaders, type StatusEvent } from '@plugboard/server-api';
import { loadPlatformConfig, type PlatformConfigInput } from '../../src/config.ts';
import { createPlatform, type Platform } from '../../src/platform.ts';

export const USER_TOKEN = 'user-token-0123456789abcdef';
export const PLATFORM_KEY = 'platform-key-0123456789abcdef';
export const SERVER_API_KEY = 'server-api-key-0123456789abcdef';
export const WEBHOOK_SECRET = 'webhook-secret-0123456789abcdef';
export const SECRET_KEY = 'secret-key-0123456789abcdef-0123456789';

/** The environment a `plugboard worker` needs to join a platform started with these keys. */
export function platformEnv(pluginServerUrl: string): Record<string, string> {
  return {
    PLUGBOARD_API_TOKENS: USER_TOKEN,
    PLUGBOARD_SECRET_KEY: SECRET_KEY,
    PLUGBOARD_PLUGIN_SERVER_URL: pluginServerUrl,
    PLUGBOARD_PLUGIN_SERVER_API_KEY: SERVER_API_KEY,
    PLUGBOARD_PLATFORM_API_KEY: PLATFORM_KEY,
    PLUGBOARD_WEBHOOK_SECRET: WEBHOOK_SECRET,
  };
}

export interface Envelope {
  error: {
    code: string;
    kind: string;
    message: string;
    retryable: boolean;
    details?: Record<string, unknown>;
  };
}

export interface TestPlatform {
  readonly platform: Platform;
  readonly url: string;
  readonly dataDir: string;
  /** JSON request; `auth: null` sends no Authorization header. */
  json<T = unknown>(
    method: string,
    path: string,
    options?: { body?: unknown; auth?: string | null; headers?: Record<string, string> },
  ): Promise<{ status: number; body: T }>;
  close(): Promise<void>;
}

export async function startTestPlatform(
  overrides: Partial<PlatformConfigInput> & { pluginServerUrl: string },
): Promise<TestPlatform> {
  const dataDir = await mkdtemp(join(tmpdir(), 'plugboard-platform-test-'));
  const config = loadPlatformConfig(
    {},
    {
      dataDir,
      port: 0,
      apiTokens: [USER_TOKEN],
      secretKey: SECRET_KEY,
      pluginServerApiKey: SERVER_API_KEY,
      platformApiKeys: [PLATFORM_KEY],
      webhookSecret: WEBHOOK_SECRET,
      logLevel: 'silent',
      ...overrides,
    },
  );
  let platform: Platform;
  try {
    platform = await createPlatform({ config, logger: pino({ level: 'silent' }) });
  } catch (error) {
    await rm(dataDir, { recursive: true, force: true });
    throw error;
  }
  const url = await platform.listen();
  return {
    platform,
    url,
    dataDir,
    async json<T>(
      method: string,
      path: string,
      options: { body?: unknown; auth?: string | null; headers?: Record<string, string> } = {},
    ) {
      const auth = options.auth === undefined ? USER_TOKEN : options.auth;
      const response = await fetch(`${url}${path}`, {
        method,
        headers: {
          ...(auth === null ? {} : { authorization: `Bearer ${auth}` }),
          ...(options.body === undefined ? {} : { 'content-type': 'application/json' }),
          ...options.headers,
        },
        ...(options.body === undefined ? {} : { body: JSON.stringify(options.body) }),
      });
      const text = await response.text();
      return { status: response.status, body: (text === '' ? undefined : JSON.parse(text)) as T };
    },
    async close() {
      await platform.close();
      await rm(dataDir, { recursive: true, force: true });
    },
  };
}

let webhookIds = 0;
/** Statuses happen in sequence order, as on a Plugin Server: one second apart from here on. */
const STATUS_CLOCK_START = Date.now() - 3_600_000;

/**
 * Posts a status event the way the Plugin Server does: signed, with the platform key, and (unless
 * given) an `occurredAt` that grows with the sequence.
 */
export async function postStatus(
  url: string,
  event: Omit<StatusEvent, 'type' | 'occurredAt' | 'epoch'> & {
    occurredAt?: string;
    epoch?: number;
  },
  options: { secret?: string; key?: string | null; tamper?: (body: string) => string } = {},
): Promise<{ status: number; body: { outcome?: string } & Partial<Envelope> }> {
  const body = JSON.stringify({
    type: 'plugin.status',
    occurredAt: new Date(STATUS_CLOCK_START + event.sequence * 1000).toISOString(),
    ...event,
  });
  webhookIds += 1;
  const headers = signedHeaders(options.secret ?? WEBHOOK_SECRET, {
    id: `msg_${String(webhookIds)}_${randomBytes(4).toString('hex')}`,
    body,
  });
  const key = options.key === undefined ? PLATFORM_KEY : options.key;
  const response = await fetch(`${url}/plugin-server/status`, {
    method: 'POST',
    headers: {
      ...headers,
      'content-type': 'application/json',
      ...(key === null ? {} : { authorization: `Bearer ${key}` }),
    },
    // A tampered body keeps the signature of the original.
    body: options.tamper === undefined ? body : options.tamper(body),
  });
  return {
    status: response.status,
    body: (await response.json()) as { outcome?: string } & Partial<Envelope>,
  };
}

/** A manifest the platform accepts (checked with the protocol's own schema). */
export function testManifest(options: {
  id: string;
  config?: Record<string, unknown>;
  nodes?: {
    name: string;
    inputs?: Record<string, unknown>;
    outputs?: Record<string, unknown>;
    config?: Record<string, unknown>;
  }[];
}): Manifest {
  const object = (properties: Record<string, unknown> = {}, required: string[] = []) => ({
    $schema: 'https://json-schema.org/draft/2020-12/schema',
    type: 'object',
    properties,
    required,
    additionalProperties: false,
  });
  return manifestSchema.parse({
    manifestVersion: 1,
    protocolVersion: 1,
    sdkVersion: '0.1.0',
    id: options.id,
    version: '1.0.0',
    displayName: options.id,
    description: 'a test plugin',
    author: '',
    config: options.config ?? object(),
    validatesConfig: false,
    nodes: (options.nodes ?? []).map((node) => ({
      name: node.name,
      title: node.name,
      description: '',
      category: 'other',
      inputs: node.inputs ?? object(),
      outputs: node.outputs ?? object(),
      config: node.config ?? object(),
      integrations: [],
      dynamicConfig: false,
    })),
    integrations: [],
    contentHash: `sha256-${randomBytes(32).toString('hex')}`,
  });
}

export interface SseEvent {
  readonly id: number;
  readonly type: string;
  readonly data: Record<string, unknown>;
}

/**
 * Reads `/api/runs/:id/events` until the server ends the stream, or rejects after `timeoutMs`
 * (the stream never ending is a failure to see).
 */
export async function readRunEvents(
  url: string,
  runId: string,
  options: { lastEventId?: number; timeoutMs?: number; onEvent?: (e: SseEvent) => void } = {},
): Promise<SseEvent[]> {
  const signal = AbortSignal.timeout(options.timeoutMs ?? 10_000);
  const events: SseEvent[] = [];
  try {
    const response = await fetch(`${url}/api/runs/${runId}/events`, {
      headers: {
        authorization: `Bearer ${USER_TOKEN}`,
        ...(options.lastEventId === undefined
          ? {}
          : { 'last-event-id': String(options.lastEventId) }),
      },
      signal,
    });
    if (!response.ok || response.body === null) {
      throw new Error(`events answered ${String(response.status)}: ${await response.text()}`);
    }
    const decoder = new TextDecoder();
    let buffer = '';
    for await (const chunk of response.body as unknown as AsyncIterable<Uint8Array>) {
      buffer += decoder.decode(chunk, { stream: true });
      let end: number;
      while ((end = buffer.indexOf('\n\n')) >= 0) {
        const block = buffer.slice(0, end);
        buffer = buffer.slice(end + 2);
        const id = /^id: (.+)$/m.exec(block)?.[1];
        const type = /^event: (.+)$/m.exec(block)?.[1];
        const data = /^data: (.+)$/m.exec(block)?.[1];
        if (id !== undefined && type !== undefined && data !== undefined) {
          const event = { id: Number(id), type, data: JSON.parse(data) as Record<string, unknown> };
          events.push(event);
          options.onEvent?.(event);
        }
      }
    }
  } catch (error) {
    if (signal.aborted) {
      throw new Error(
        `the event stream of ${runId} did not end within ${String(options.timeoutMs ?? 10_000)} ms (got ${events.map((e) => e.type).join(', ') || 'nothing'})`,
        { cause: error },
      );
    }
    throw error;
  }
  return events;
}

export async function until<T>(
  what: string,
  probe: () => Promise<T | undefined> | T | undefined,
  timeoutMs = 10_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) {
      return value;
    }
    if (Date.now() > deadline) {
      throw new Error(`timed out waiting for ${what}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

const ADMIN_URL =
  process.env['PLUGBOARD_TEST_POSTGRES_URL'] ?? 'postgres://postgres@127.0.0.1:5432/postgres';

/** A fresh, empty PostgreSQL database by URL (for the platform and worker to open themselves). */
export async function createPostgresDatabase(): Promise<{ url: string; drop(): Promise<void> }> {
  const name = `plugboard_t_${String(process.pid)}_${randomBytes(4).toString('hex')}`;
  const admin = async (statement: string) => {
    const client = new pg.Client({ connectionString: ADMIN_URL });
    await client.connect();
    try {
      await client.query(statement);
    } finally {
      await client.end();
    }
  };
  await admin(`CREATE DATABASE ${name}`);
  const url = new URL(ADMIN_URL);
  url.pathname = `/${name}`;
  return { url: url.href, drop: () => admin(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`) };
}
