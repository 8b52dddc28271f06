// The platform serves exactly the operations its contract names: each at its method and path,
// answering its success status, with the contract's summary; and no /api route outside it.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { API_ROUTES, API_SCHEMAS, type ApiOperation } from '@plugboard/platform-api';

interface OpenApiDocument {
  paths: Record<string, Record<string, { summary?: string; responses: Record<string, unknown> }>>;
}

// Kept fresh by `npm run docs:check`, which generates it from the platform's routes.
const document = JSON.parse(
  readFileSync(new URL('../../../docs/api/platform.openapi.json', import.meta.url), 'utf8'),
) as OpenApiDocument;
const openApiPath = (path: string) => path.replace(/:([A-Za-z]+)/g, '{$1}');

describe('the platform API contract', () => {
  it.each(Object.keys(API_ROUTES) as ApiOperation[])(
    '%s is served at its method and path with its status and summary',
    (operation) => {
      const route = API_ROUTES[operation];
      const served = document.paths[openApiPath(route.path)]?.[route.method.toLowerCase()];
      expect(served, `${route.method} ${route.path}`).toBeDefined();
      expect(Object.keys(served?.responses ?? {})).toContain(String(route.status));
      expect(served?.summary).toBe(API_SCHEMAS[operation].summary);
    },
  );

  it('has every /api route of the platform', () => {
    const inContract = new Set(
      Object.values(API_ROUTES).map((r) => `${r.method} ${openApiPath(r.path)}`),
    );
    const served = Object.entries(document.paths)
      .filter(([path]) => path.startsWith('/api/'))
      .flatMap(([path, methods]) => Object.keys(methods).map((m) => `${m.toUpperCase()} ${path}`));
    expect(served.filter((route) => !inContract.has(route))).toEqual([]);
  });
});
