/**
 * @module Pulls the desired state from the platform's `GET /plugin-server/desired`.
 */
import { request } from 'undici';
import { ServerError } from '../errors.ts';
import { DESIRED_STATE_PATH, desiredStateSchema, type DesiredState } from '@plugboard/server-api';

export async function fetchDesiredState(
  platformUrl: string,
  apiKey: string | undefined,
  timeoutMs: number,
): Promise<DesiredState> {
  const url = new URL(
    DESIRED_STATE_PATH,
    platformUrl.endsWith('/') ? platformUrl : `${platformUrl}/`,
  ).href;
  let body: unknown;
  try {
    const response = await request(url, {
      headers: apiKey === undefined ? {} : { authorization: `Bearer ${apiKey}` },
      signal: AbortSignal.timeout(timeoutMs),
    });
    if (response.statusCode !== 200) {
      await response.body.dump();
      throw new ServerError(
        'PSRV_SOURCE_FAILED',
        `the platform answered ${String(response.statusCode)} for the desired state`,
      );
    }
    body = await response.body.json();
  } catch (error) {
    if (error instanceof ServerError) {
      throw error;
    }
    throw new ServerError(
      'PSRV_SOURCE_FAILED',
      `cannot read the desired state from the platform: ${(error as Error).message}`,
    );
  }
  const parsed = desiredStateSchema.safeParse(body);
  if (!parsed.success) {
    throw new ServerError(
      'PSRV_SOURCE_FAILED',
      `the platform's desired state is invalid: ${parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`,
    );
  }
  return parsed.data;
}
