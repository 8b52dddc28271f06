/**
 * @module The calls the Plugin Server itself makes to a plugin process (besides forwarding): its
 * manifest after start, and the configuration it applies (answered with its verdict).
 */
import {
  configureResponseSchema,
  type ConfigureResponse,
  type Manifest,
} from '@plugboard/protocol';
import { Client } from 'undici';
import type { PluginProcess } from '../engine/engine.ts';
import { ServerError } from '../errors.ts';

/** Past a plugin's own deadline, the time its answer may take to arrive. */
const ANSWER_MARGIN_MS = 5_000;

async function callPlugin<T>(
  proc: PluginProcess,
  path: string,
  options: { body?: unknown; timeoutMs: number },
): Promise<T> {
  let status: number;
  let body: T;
  const client = new Client(proc.url, {
    ...(proc.socketPath === undefined ? {} : { socketPath: proc.socketPath }),
  });
  try {
    const response = await client.request({
      path,
      method: options.body === undefined ? 'GET' : 'POST',
      headers: { authorization: `Bearer ${proc.token}`, 'content-type': 'application/json' },
      ...(options.body === undefined ? {} : { body: JSON.stringify(options.body) }),
      signal: AbortSignal.timeout(options.timeoutMs),
    });
    status = response.statusCode;
    body = (await response.body.json()) as T;
  } catch (error) {
    throw new ServerError(
      'PSRV_START_FAILED',
      `the plugin did not answer ${path}: ${(error as Error).message}`,
    );
  } finally {
    void client.close();
  }
  if (status !== 200) {
    throw new ServerError(
      'PSRV_START_FAILED',
      `the plugin answered ${String(status)} for ${path}`,
      { details: { body } },
    );
  }
  return body;
}

export function fetchManifest(proc: PluginProcess, timeoutMs: number): Promise<Manifest> {
  return callPlugin<Manifest>(proc, '/manifest', { timeoutMs });
}

/**
 * Gives the process its configuration; every call that starts after the answer gets it. Its
 * validateConfig hook runs under the process's own default deadline (`hookTimeoutMs`, the one the
 * server gives it), and the answer gets a moment more to arrive.
 */
export async function applyConfig(
  proc: PluginProcess,
  config: Record<string, unknown>,
  hookTimeoutMs: number,
): Promise<ConfigureResponse> {
  const answer = configureResponseSchema.safeParse(
    await callPlugin<unknown>(proc, '/config', {
      body: { config },
      timeoutMs: hookTimeoutMs + ANSWER_MARGIN_MS,
    }),
  );
  if (!answer.success) {
    throw new ServerError(
      'PSRV_START_FAILED',
      `the plugin answered /config with something other than a verdict: ${answer.error.message}`,
    );
  }
  return answer.data;
}
