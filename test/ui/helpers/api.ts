// The platform's API for a UI test to set the stage with (install a plugin, save a workflow):
// the contract's typed client over fetch with the admin token.
import { readFile } from 'node:fs/promises';
import { basename } from 'node:path';
import { createApiClient, type ApiClient } from '@plugboard/platform-api/client';
import type { System } from './system.ts';

export interface TestApi {
  readonly client: ApiClient;
  /** Uploads a file (`POST /api/files`), answering its id. */
  upload(path: string): Promise<string>;
}

export function testApi(system: System): TestApi {
  const authorization = `Bearer ${system.token}`;
  const client = createApiClient(async (request) => {
    const response = await fetch(`${system.url}${request.path}`, {
      method: request.method,
      headers: {
        authorization,
        ...(request.body === undefined ? {} : { 'content-type': 'application/json' }),
        ...request.headers,
      },
      ...(request.body === undefined ? {} : { body: JSON.stringify(request.body) }),
    });
    if (!response.ok) {
      throw new Error(
        `${request.method} ${request.path}: ${String(response.status)} ${await response.text()}`,
      );
    }
    return response;
  });
  return {
    client,
    async upload(path) {
      const response = await fetch(
        `${system.url}${client.pathOf('uploadFile', { query: { name: basename(path) } })}`,
        {
          method: 'POST',
          headers: { authorization, 'content-type': 'application/gzip' },
          body: await readFile(path),
        },
      );
      if (!response.ok) {
        throw new Error(`upload ${path}: ${String(response.status)} ${await response.text()}`);
      }
      return ((await response.json()) as { id: string }).id;
    },
  };
}
