// Renders the OpenAPI documents of the platform and the Plugin Server (docs/api/*.json) from the
// apps themselves, built as they run but never listening, so the reference is the routes' own
// schemas; and checks a document against the OpenAPI specification's own schema, every `$ref`
// resolved (a validator made for it, so generators and clients can rely on the documents).
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Validator } from '@seriousme/openapi-schema-validator';
import { pino } from 'pino';
import { createPlatform, loadPlatformConfig } from '@plugboard/platform';
import { createPluginServer, loadServerConfig } from '@plugboard/plugin-server';

const KEY = 'openapi-document-key-0123456789';

export async function renderOpenApiDocs(): Promise<{ platform: string; pluginServer: string }> {
  const dir = await mkdtemp(join(tmpdir(), 'plugboard-openapi-'));
  const logger = pino({ level: 'silent' });
  try {
    const server = await createPluginServer({
      config: loadServerConfig({}, { apiKeys: [KEY], dataDir: join(dir, 'server') }),
      serveBin: fileURLToPath(new URL('../packages/cli/bin/plugboard.js', import.meta.url)),
      logger,
    });
    const platform = await createPlatform({
      config: loadPlatformConfig(
        {},
        {
          dataDir: join(dir, 'platform'),
          apiTokens: [KEY],
          secretKey: `${KEY}${KEY}`,
          pluginServerUrl: 'http://127.0.0.1:4010',
          pluginServerApiKey: KEY,
          platformApiKeys: [KEY],
          webhookSecret: KEY,
          marketplaceDir: dir,
        },
      ),
      logger,
    });
    await Promise.all([server.app.ready(), platform.app.ready()]);
    const documents = {
      platform: `${JSON.stringify(platform.app.swagger(), null, 2)}\n`,
      pluginServer: `${JSON.stringify(server.app.swagger(), null, 2)}\n`,
    };
    await platform.close();
    await server.close();
    return documents;
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/** What is wrong with an OpenAPI document (empty when it is valid). */
export async function openApiProblems(document: unknown): Promise<string[]> {
  const result = await new Validator().validate(document as Record<string, unknown>);
  if (result.valid) {
    return [];
  }
  const errors: unknown = result.errors;
  if (Array.isArray(errors)) {
    return errors.map((e) => {
      const { instancePath, message } = e as { instancePath?: string; message?: string };
      return `${instancePath ?? ''} ${message ?? JSON.stringify(e)}`.trim();
    });
  }
  return [String(errors)];
}
