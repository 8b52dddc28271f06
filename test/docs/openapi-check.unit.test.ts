// The OpenAPI check that `docs:check` runs: it passes the documents the services generate, and
// fails a document whose `$ref` points nowhere or that breaks the specification's schema.
import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { openApiProblems } from '../../scripts/openapi-doc.ts';

const DOCS = fileURLToPath(new URL('../../docs/api/', import.meta.url));
const documents = ['platform.openapi.json', 'plugin-server.openapi.json'];

async function load(name: string): Promise<Record<string, unknown>> {
  return JSON.parse(await readFile(`${DOCS}${name}`, 'utf8')) as Record<string, unknown>;
}

describe('the OpenAPI check', () => {
  it.each(documents)('passes %s as committed', async (name) => {
    expect(await openApiProblems(await load(name))).toEqual([]);
  });

  it.each(documents)('fails %s with its components gone (dangling $refs)', async (name) => {
    const document = await load(name);
    document['components'] = { schemas: {} };
    expect((await openApiProblems(document)).join('\n')).toMatch(/resolve/i);
  });

  it('fails a document that breaks the specification', async () => {
    const document = await load('platform.openapi.json');
    document['paths'] = { '/x': { get: { responses: 'none' } } };
    expect(await openApiProblems(document)).not.toEqual([]);
  });
});
