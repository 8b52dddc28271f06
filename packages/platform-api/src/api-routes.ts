/**
 * @module Where each operation of the platform's public API lives: method, path (`:name` for a
 * path parameter) and the status of its success. The platform registers its routes from this
 * table, and clients build their requests from it. It holds no schema, so a browser bundle that
 * reads it stays small; the schemas of each operation are in `api-schemas.ts`, by the same names.
 *
 * `answers` says what a success carries: JSON (parsed with the operation's response schema), text,
 * a byte stream (a download, or Server-Sent Events), or nothing.
 */
export interface ApiRoute {
  readonly method: 'GET' | 'POST' | 'PUT' | 'DELETE';
  readonly path: `/api/${string}`;
  readonly status: 200 | 201 | 202 | 204;
  readonly answers: 'json' | 'text' | 'stream' | 'nothing';
  /** Sent with an Idempotency-Key, so a repeat after a lost answer creates nothing twice. */
  readonly idempotent?: true;
}

const json = <
  M extends ApiRoute['method'],
  P extends ApiRoute['path'],
  S extends ApiRoute['status'],
>(
  method: M,
  path: P,
  status: S,
) => ({ method, path, status, answers: 'json' as const });

export const API_ROUTES = {
  listPlugins: json('GET', '/api/plugins', 200),
  installPlugin: { ...json('POST', '/api/plugins', 202), idempotent: true },
  getPlugin: json('GET', '/api/plugins/:id', 200),
  uninstallPlugin: json('POST', '/api/plugins/:id/uninstall', 202),
  restartPlugin: json('POST', '/api/plugins/:id/restart', 202),
  updatePlugin: json('POST', '/api/plugins/:id/update', 202),
  updateImpact: json('GET', '/api/plugins/:id/update-impact', 200),
  activateVersion: json('POST', '/api/plugins/:id/activate', 202),
  rollbackPlugin: json('POST', '/api/plugins/:id/rollback', 202),
  configurePlugin: json('PUT', '/api/plugins/:id/config', 200),
  grantPlugin: json('PUT', '/api/plugins/:id/grant', 200),
  pluginLogs: { method: 'GET', path: '/api/plugins/:id/logs', status: 200, answers: 'text' },
  nodeConfigOptions: json('POST', '/api/plugins/:id/nodes/:node/config', 200),
  pluginEvents: { method: 'GET', path: '/api/plugins/events', status: 200, answers: 'stream' },

  marketplace: json('GET', '/api/marketplace', 200),

  uploadFile: json('POST', '/api/files', 201),
  downloadFile: { method: 'GET', path: '/api/files/:id', status: 200, answers: 'stream' },
  fileMeta: json('GET', '/api/files/:id/meta', 200),

  listNodes: json('GET', '/api/nodes', 200),
  listWorkflows: json('GET', '/api/workflows', 200),
  validateWorkflow: json('POST', '/api/workflows/validate', 200),
  createWorkflow: json('POST', '/api/workflows', 201),
  getWorkflow: json('GET', '/api/workflows/:id', 200),
  updateWorkflow: json('PUT', '/api/workflows/:id', 200),
  upgradeWorkflow: json('POST', '/api/workflows/:id/upgrade', 200),
  deleteWorkflow: { method: 'DELETE', path: '/api/workflows/:id', status: 204, answers: 'nothing' },

  startRun: { ...json('POST', '/api/workflows/:id/runs', 202), idempotent: true },
  listRuns: json('GET', '/api/runs', 200),
  getRun: json('GET', '/api/runs/:id', 200),
  cancelRun: json('POST', '/api/runs/:id/cancel', 202),
  runEvents: { method: 'GET', path: '/api/runs/:id/events', status: 200, answers: 'stream' },

  createCredential: json(
    'POST',
    '/api/plugins/:pluginId/integrations/:integration/credentials',
    201,
  ),
  listCredentials: json('GET', '/api/credentials', 200),
  getCredential: json('GET', '/api/credentials/:id', 200),
  testCredential: json('POST', '/api/credentials/:id/test', 200),
  replaceCredential: json('PUT', '/api/credentials/:id', 200),
  deleteCredential: {
    method: 'DELETE',
    path: '/api/credentials/:id',
    status: 204,
    answers: 'nothing',
  },
} as const satisfies Record<string, ApiRoute>;

export type ApiOperation = keyof typeof API_ROUTES;
