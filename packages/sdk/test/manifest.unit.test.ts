import { describe, expect, it } from 'vitest';
import { manifestSchema } from '@plugboard/protocol';
import { defineIntegration, defineNode, definePlugin, file, secret, z } from '../src/index.ts';
import { buildManifest, SDK_VERSION } from '../src/runtime/index.ts';

function makePlugin(outputs: z.ZodObject) {
  const api = defineIntegration({
    name: 'api',
    displayName: 'API',
    description: 'Talks to the API',
    credentials: z.object({ key: secret(), region: z.string().default('eu') }),
  });
  return definePlugin({
    id: 'acme.tools',
    version: '1.2.3',
    displayName: 'Acme tools',
    config: z.object({ baseUrl: z.url() }),
    nodes: [
      defineNode({
        name: 'convert',
        title: 'Convert',
        category: 'files',
        inputs: z.object({ doc: file(), limit: z.number().int().default(10) }),
        outputs,
        config: z.object({ mode: z.enum(['a', 'b']) }),
        integrations: [api],
        run: () => ({ doc: { id: '1', name: 'x', contentType: 'text/plain' } }),
      }),
    ],
  });
}

describe('buildManifest', () => {
  const manifest = buildManifest(makePlugin(z.object({ doc: file() })));

  it('describes every schema as JSON Schema and passes the one manifest schema', () => {
    expect(manifestSchema.parse(manifest)).toEqual(manifest);
    expect(manifest).toMatchObject({
      id: 'acme.tools',
      version: '1.2.3',
      sdkVersion: SDK_VERSION,
      protocolVersion: 1,
      validatesConfig: false,
    });
    const [node] = manifest.nodes;
    expect(node?.inputs).toMatchObject({
      type: 'object',
      properties: { doc: { 'x-plugboard-type': 'file' }, limit: { type: 'integer', default: 10 } },
      required: ['doc'],
    });
    expect(node?.integrations).toEqual(['api']);
    expect(manifest.integrations[0]?.credentials).toMatchObject({
      properties: { key: { writeOnly: true } },
    });
    expect(manifest.config).toMatchObject({ properties: { baseUrl: { format: 'uri' } } });
  });

  it('hashes the content: equal declarations, equal hash; any change, another hash', () => {
    expect(buildManifest(makePlugin(z.object({ doc: file() }))).contentHash).toBe(
      manifest.contentHash,
    );
    expect(
      buildManifest(makePlugin(z.object({ doc: file(), pages: z.number() }))).contentHash,
    ).not.toBe(manifest.contentHash);
  });

  it('names the schema that cannot be described as JSON Schema', () => {
    expect(() => buildManifest(makePlugin(z.object({ when: z.date() })))).toThrow(
      /node convert outputs: cannot be described as JSON Schema/,
    );
  });
});
