// Every route of a real plugin process, answered correctly with the token and refused without it.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { errorEnvelopeSchema, manifestSchema, PROTOCOL_VERSION } from '@plugboard/protocol';
import { startPluginProcess, type PluginProcess } from '../helpers/plugin-process.ts';

let plugin: PluginProcess;

beforeAll(async () => {
  plugin = await startPluginProcess({ env: { PLUGBOARD_MAX_BODY_BYTES: '4096' } });
});
afterAll(async () => {
  await plugin.stop();
});

async function errorOf(response: Response) {
  return errorEnvelopeSchema.parse(await response.json()).error;
}

describe('handshake and health', () => {
  it('prints exactly one handshake line naming loopback and the bound port', () => {
    expect(plugin.stdout()).toBe(
      `PLUGBOARD_PLUGIN|${String(PROTOCOL_VERSION)}|127.0.0.1|${String(plugin.port)}\n`,
    );
  });

  it('answers /health without a token', async () => {
    const response = await plugin.call('/health', undefined, { token: null });
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({
      status: 'ok',
      pluginId: 'behaviours',
      version: '1.2.3',
      protocolVersion: 1,
      inFlight: 0,
      maxConcurrency: 16,
      saturated: false,
      stuck: 0,
    });
  });

  it('logs JSON lines on stderr', async () => {
    const line = await plugin.waitForLog((l) => l['msg'] === 'plugin listening');
    expect(line).toMatchObject({ pluginId: 'behaviours', url: plugin.url });
    expect(line).not.toHaveProperty('token');
  });
});

describe('token', () => {
  it.each([
    ['GET', '/manifest', undefined],
    ['POST', '/validate-config', {}],
    ['POST', '/config', {}],
    ['POST', '/nodes/echo/execute', { inputs: { text: 'x' } }],
    ['POST', '/nodes/pick-project/config', {}],
    ['POST', '/integrations/token-api/config', {}],
    ['POST', '/integrations/token-api/ready', { credentials: { token: 'good' } }],
  ])('refuses %s %s without the token or with a wrong one', async (_method, path, body) => {
    for (const token of [null, 'wrong-token-wrong-token', '']) {
      const response = await plugin.call(path, body, { token });
      expect(response.status).toBe(401);
      expect((await errorOf(response)).code).toBe('PLUGIN_UNAUTHORIZED');
    }
  });
});

describe('GET /manifest', () => {
  it('serves the generated manifest, valid against the one manifest schema', async () => {
    const response = await plugin.call('/manifest');
    expect(response.status).toBe(200);
    const manifest = manifestSchema.parse(await response.json());
    expect(manifest).toMatchObject({
      id: 'behaviours',
      version: '1.2.3',
      protocolVersion: PROTOCOL_VERSION,
      validatesConfig: true,
    });
    expect(manifest.nodes.map((n) => n.name)).toContain('file-upper');
    expect(manifest.integrations.map((i) => i.name).sort()).toEqual(['other-api', 'token-api']);
    expect(manifest.nodes.find((n) => n.name === 'pick-project')).toMatchObject({
      dynamicConfig: true,
      integrations: ['token-api'],
    });
  });
});

describe('POST /nodes/{name}/execute', () => {
  it('runs a node with the plugin config applied by POST /config (none sent with the call)', async () => {
    const before = await plugin.call('/nodes/echo/execute', { inputs: { text: 'hello' } });
    expect(await before.json()).toMatchObject({ outputs: { text: 'hello' } });
    const applied = await plugin.call('/config', { config: { region: 'eu' } });
    expect(await applied.json()).toEqual({ valid: true, issues: [], applied: true });
    const response = await plugin.call('/nodes/echo/execute', {
      inputs: { text: 'hello' },
      // A config sent with a call is not the plugin's: it is ignored.
      context: { pluginConfig: { region: 'us' } },
    });
    expect(response.status).toBe(200);
    expect(await response.json()).toMatchObject({ outputs: { text: 'hello', region: 'eu' } });
  });

  it('answers 400 for a body that is not JSON', async () => {
    const response = await plugin.call('/nodes/echo/execute', '{"inputs":');
    expect(response.status).toBe(400);
    expect(await errorOf(response)).toMatchObject({
      code: 'PLUGIN_BAD_REQUEST',
      kind: 'user',
      retryable: false,
    });
  });

  it('answers 400 with the failing path when inputs or credentials break their schemas', async () => {
    for (const [path, body, expected] of [
      ['/nodes/echo/execute', { inputs: { text: 42 } }, ['inputs', 'text']],
      [
        '/nodes/who-am-i/execute',
        { context: { credentials: { 'token-api': { token: 7 } } } },
        ['context', 'credentials', 'token-api', 'token'],
      ],
    ] as const) {
      const response = await plugin.call(path, body);
      expect(response.status).toBe(400);
      const error = await errorOf(response);
      expect(error.code).toBe('PLUGIN_VALIDATION_FAILED');
      const paths = (error.details?.['issues'] as { path: unknown[] }[]).map((i) => i.path);
      expect(paths).toEqual([expected]);
    }
  });

  it('answers 400 for a body of the wrong shape', async () => {
    const response = await plugin.call('/nodes/echo/execute', { inputs: 'text' });
    expect(response.status).toBe(400);
    expect((await errorOf(response)).code).toBe('PLUGIN_BAD_REQUEST');
  });

  it('answers 404 for an unknown node, listing the nodes that exist', async () => {
    const response = await plugin.call('/nodes/nope/execute', { inputs: {} });
    expect(response.status).toBe(404);
    const error = await errorOf(response);
    expect(error.code).toBe('PLUGIN_NOT_FOUND');
    expect(error.details?.['available']).toEqual(
      expect.arrayContaining(['echo', 'wait', 'file-upper']),
    );
    expect(error.message).toContain('echo');
  });

  it('answers 404 for unknown routes and methods, listing the routes', async () => {
    for (const [path, body] of [
      ['/nodes/echo/explode', {}],
      ['/nodes/echo/execute', undefined],
      ['/', undefined],
    ] as const) {
      const response = await plugin.call(path, body);
      expect(response.status).toBe(404);
      expect((await errorOf(response)).details?.['available']).toContain(
        'POST /nodes/{name}/execute',
      );
    }
  });

  it('answers 413 for a body over the limit', async () => {
    const response = await plugin.call('/nodes/echo/execute', {
      inputs: { text: 'x'.repeat(10_000) },
    });
    expect(response.status).toBe(413);
    expect((await errorOf(response)).code).toBe('PLUGIN_PAYLOAD_TOO_LARGE');
  });

  it('turns a PluginError into 422 with the author’s code, message, retry flag and details', async () => {
    const response = await plugin.call('/nodes/fail/execute', { inputs: { how: 'plugin-error' } });
    expect(response.status).toBe(422);
    expect(await errorOf(response)).toEqual({
      code: 'QUOTA',
      kind: 'plugin',
      message: 'The quota is used up; wait for the next hour',
      retryable: true,
      details: { resetIn: 3600 },
    });
  });

  it('keeps the message of any other error, with its type', async () => {
    const response = await plugin.call('/nodes/fail/execute', { inputs: { how: 'type-error' } });
    expect(response.status).toBe(500);
    expect(await errorOf(response)).toMatchObject({
      code: 'PLUGIN_UNHANDLED_ERROR',
      kind: 'plugin',
      message: 'cannot read the moon',
      details: { errorName: 'TypeError' },
    });
    const thrownString = await errorOf(
      await plugin.call('/nodes/fail/execute', { inputs: { how: 'string' } }),
    );
    expect(thrownString.message).toContain('a plain string');
  });

  it('reports outputs that break the node’s own schema as a plugin bug', async () => {
    const response = await plugin.call('/nodes/bad-output/execute', { inputs: {} });
    expect(response.status).toBe(500);
    const error = await errorOf(response);
    expect(error.code).toBe('PLUGIN_OUTPUT_INVALID');
    expect(error.message).toContain('outputs.count');
  });

  it('hands a node only the credentials of the integrations it declares', async () => {
    const response = await plugin.call('/nodes/who-am-i/execute', {
      inputs: {},
      context: {
        credentials: { 'token-api': { token: 'abcd' }, 'other-api': { key: 'must not leak' } },
      },
    });
    expect(response.status).toBe(200);
    expect(await response.json()).toMatchObject({
      outputs: { integrations: ['token-api'], tokenLength: 4 },
    });
  });

  it('answers 400 naming the integration when a declared one has no credentials', async () => {
    const response = await plugin.call('/nodes/who-am-i/execute', { inputs: {} });
    expect(response.status).toBe(400);
    const error = await errorOf(response);
    expect(error).toMatchObject({
      code: 'PLUGIN_CREDENTIALS_MISSING',
      details: { integrations: ['token-api'] },
    });
  });

  it('sends stray console and stdout output to the log, never to stdout', async () => {
    const response = await plugin.call('/nodes/noisy/execute', { inputs: {} });
    expect(response.status).toBe(200);
    await plugin.waitForLog(
      (l) => l['msg'] === 'console.log from a node' && l['source'] === 'console',
    );
    expect(plugin.stdout().split('\n').filter(Boolean)).toHaveLength(1);
  });
});

describe('POST /config', () => {
  const echoRegion = async () =>
    (
      (await (await plugin.call('/nodes/echo/execute', { inputs: { text: 'x' } })).json()) as {
        outputs: { region?: string };
      }
    ).outputs.region;

  it('keeps the applied config when a new one fails the schema', async () => {
    await plugin.call('/config', { config: { region: 'eu' } });
    const refused = (await (
      await plugin.call('/config', { config: { baseUrl: 'nope' } })
    ).json()) as { valid: boolean; applied: boolean; issues: { path: string[] }[] };
    expect(refused).toMatchObject({ valid: false, applied: false });
    expect(refused.issues[0]?.path).toEqual(['baseUrl']);
    expect(await echoRegion()).toBe('eu');
  });

  it("applies a config the plugin's own check refuses, and reports why", async () => {
    const response = await plugin.call('/config', { config: { region: 'mars' } });
    expect(await response.json()).toEqual({
      valid: false,
      issues: [{ path: ['region'], message: 'no data centre on mars' }],
      applied: true,
    });
    expect(await echoRegion()).toBe('mars');
  });

  it('applies a config whose check fails, saying it is unchecked', async () => {
    const response = await plugin.call('/config', { config: { region: 'explode' } });
    const verdict = (await response.json()) as Record<string, unknown>;
    expect(verdict).toMatchObject({ valid: true, issues: [], applied: true });
    expect(verdict['unchecked']).toContain('the region service is down');
    expect(await echoRegion()).toBe('explode');
    await plugin.call('/config', { config: { region: 'eu' } });
  });
});

describe('POST /validate-config', () => {
  it('accepts a valid config', async () => {
    const response = await plugin.call('/validate-config', { config: { region: 'eu' } });
    expect(await response.json()).toEqual({ valid: true, issues: [] });
  });

  it('reports schema problems with their paths', async () => {
    const body = (await (
      await plugin.call('/validate-config', { config: { baseUrl: 'nope' } })
    ).json()) as {
      valid: boolean;
      issues: { path: string[] }[];
    };
    expect(body.valid).toBe(false);
    expect(body.issues[0]?.path).toEqual(['baseUrl']);
  });

  it("reports the plugin's own validateConfig problems", async () => {
    const response = await plugin.call('/validate-config', { config: { region: 'mars' } });
    expect(await response.json()).toEqual({
      valid: false,
      issues: [{ path: ['region'], message: 'no data centre on mars' }],
    });
  });
});

describe('POST /nodes/{name}/config', () => {
  it('runs the dynamic-config hook with the credentials and the partial config', async () => {
    const response = await plugin.call('/nodes/pick-project/config', {
      config: { project: 'beta' },
      context: { credentials: { 'token-api': { token: 'xyz' } } },
    });
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({
      fields: {
        project: {
          options: [
            { value: 'alpha', label: 'Alpha (3)' },
            { value: 'beta', label: 'Beta' },
          ],
          description: 'Chosen: beta',
        },
      },
      ready: true,
    });
  });

  it('answers an empty config for a node without the hook, and 404 for an unknown node', async () => {
    expect(await (await plugin.call('/nodes/echo/config', {})).json()).toEqual({
      fields: {},
      ready: true,
    });
    expect((await plugin.call('/nodes/nope/config', {})).status).toBe(404);
  });
});

describe('integrations', () => {
  it('describes an integration and its credential form', async () => {
    const response = await plugin.call('/integrations/token-api/config', {});
    expect(response.status).toBe(200);
    const body = (await response.json()) as {
      name: string;
      credentials: { properties: Record<string, { writeOnly?: boolean }> };
    };
    expect(body.name).toBe('token-api');
    expect(body.credentials.properties['token']?.writeOnly).toBe(true);
    expect((await plugin.call('/integrations/nope/config', {})).status).toBe(404);
  });

  it('runs the ready check', async () => {
    expect(
      await (
        await plugin.call('/integrations/token-api/ready', { credentials: { token: 'good' } })
      ).json(),
    ).toEqual({ ready: true });
    expect(
      await (
        await plugin.call('/integrations/token-api/ready', { credentials: { token: 'bad' } })
      ).json(),
    ).toEqual({
      ready: false,
      message: 'token rejected',
    });
    expect(
      await (
        await plugin.call('/integrations/other-api/ready', { credentials: { key: 'k' } })
      ).json(),
    ).toEqual({ ready: true });
  });

  it('answers 400 for credentials that break the schema and reports a crashing check', async () => {
    const invalid = await plugin.call('/integrations/token-api/ready', { credentials: {} });
    expect(invalid.status).toBe(400);
    expect((await errorOf(invalid)).details?.['issues']).toEqual([
      expect.objectContaining({ path: ['credentials', 'token'] }),
    ]);
    const crashed = await plugin.call('/integrations/token-api/ready', {
      credentials: { token: 'explode' },
    });
    expect(crashed.status).toBe(500);
    expect((await errorOf(crashed)).message).toBe('the ready check blew up');
    expect((await plugin.call('/integrations/nope/ready', { credentials: {} })).status).toBe(404);
  });
});

describe('hostile requests', () => {
  it('answers 413 to a chunked body over the limit, on a connection that stays usable', async () => {
    const body = new ReadableStream<Uint8Array>({
      start(controller) {
        controller.enqueue(new TextEncoder().encode(`{"inputs":{"text":"${'x'.repeat(8_000)}"}}`));
        controller.close();
      },
    });
    const response = await plugin.call('/nodes/echo/execute', undefined, {
      method: 'POST',
      body,
      duplex: 'half',
    });
    expect(response.status).toBe(413);
    expect((await errorOf(response)).code).toBe('PLUGIN_PAYLOAD_TOO_LARGE');
  });

  it('answers 400 to a path that is not valid percent-encoding', async () => {
    const response = await plugin.call('/nodes/%E0%A4%A/execute', { inputs: {} });
    expect(response.status).toBe(400);
    expect((await errorOf(response)).code).toBe('PLUGIN_BAD_REQUEST');
  });
});
