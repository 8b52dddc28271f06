/**
 * @module The platform's public API, typed from its contract: every call the UI makes, and
 * nothing else (the UI has no backend of its own). Paths, methods and types come from
 * `@plugboard/platform-api`; only how the UI sends (its session, upload progress) is here.
 */
import { createApiClient, type ApiBody, type ApiInput } from '@plugboard/platform-api/client';
import { createHttp, type Http, type HttpOptions } from './http.ts';
import { readEvents, type SseEvent } from './sse.ts';
import type { FileRef } from './types.ts';

export type PlatformApi = ReturnType<typeof createPlatformApi>;

export function createPlatformApi(options: HttpOptions) {
  const http: Http = createHttp(options);
  const api = createApiClient((request) =>
    http.raw(request.path, {
      method: request.method as 'GET',
      ...(request.body === undefined ? {} : { body: request.body }),
      ...(request.signal === undefined ? {} : { signal: request.signal }),
      ...(request.headers === undefined ? {} : { headers: { ...request.headers } }),
    }),
  );
  return {
    listPlugins: async () => (await api.call('listPlugins')).plugins,
    getPlugin: (id: string) => api.call('getPlugin', { params: { id } }),
    installPlugin: (body: ApiBody<'installPlugin'>) => api.call('installPlugin', { body }),
    configurePlugin: (id: string, config: Record<string, unknown>) =>
      api.call('configurePlugin', { params: { id }, body: { config } }),
    grantPlugin: (id: string, grant: ApiBody<'grantPlugin'>['grant']) =>
      api.call('grantPlugin', { params: { id }, body: { grant } }),
    restartPlugin: (id: string) => api.call('restartPlugin', { params: { id } }),
    updatePlugin: (id: string, body: ApiBody<'updatePlugin'>) =>
      api.call('updatePlugin', { params: { id }, body }),
    updateImpact: (id: string, version: string, signal?: AbortSignal) =>
      api.call('updateImpact', {
        params: { id },
        query: { version },
        ...(signal === undefined ? {} : { signal }),
      }),
    activateVersion: (id: string, version: string) =>
      api.call('activateVersion', { params: { id }, body: { version } }),
    rollbackPlugin: (id: string, to?: string) =>
      api.call('rollbackPlugin', { params: { id }, body: to === undefined ? {} : { to } }),
    uninstallPlugin: (id: string) => api.call('uninstallPlugin', { params: { id } }),
    pluginLogs: (id: string, tail: number) =>
      api.call('pluginLogs', { params: { id }, query: { tail } }),
    nodeConfigOptions: (
      target: { pluginId: string; node: string },
      config: Record<string, unknown>,
    ) =>
      api.call('nodeConfigOptions', {
        params: { id: target.pluginId, node: target.node },
        body: { config },
      }),

    marketplace: async (q: string) =>
      (await api.call('marketplace', q === '' ? {} : { query: { q } })).plugins,

    uploadFile: (file: File, onProgress: (fraction: number) => void) =>
      http.upload<FileRef>(
        api.pathOf('uploadFile', { query: { name: file.name } }),
        file,
        onProgress,
      ),
    downloadFile: async (id: string) => (await api.open('downloadFile', { params: { id } })).blob(),

    listNodes: async () => (await api.call('listNodes')).nodes,
    listWorkflows: async () => (await api.call('listWorkflows')).workflows,
    getWorkflow: (id: string) => api.call('getWorkflow', { params: { id } }),
    createWorkflow: (body: ApiBody<'createWorkflow'>) => api.call('createWorkflow', { body }),
    updateWorkflow: (id: string, body: ApiBody<'updateWorkflow'>) =>
      api.call('updateWorkflow', { params: { id }, body }),
    upgradeWorkflow: (id: string, body: ApiBody<'upgradeWorkflow'>) =>
      api.call('upgradeWorkflow', { params: { id }, body }),
    deleteWorkflow: (id: string) => api.call('deleteWorkflow', { params: { id } }),
    validateWorkflow: (graph: ApiBody<'validateWorkflow'>['graph'], signal?: AbortSignal) =>
      api.call('validateWorkflow', {
        body: { graph },
        ...(signal === undefined ? {} : { signal }),
      }),

    startRun: (workflowId: string, inputs: Record<string, unknown>) =>
      api.call('startRun', { params: { id: workflowId }, body: { inputs } }),
    listRuns: async (workflowId?: string) =>
      (
        await api.call('listRuns', {
          query: { limit: 50, ...(workflowId === undefined ? {} : { workflowId }) },
        })
      ).runs,
    getRun: (id: string) => api.call('getRun', { params: { id } }),
    cancelRun: (id: string) => api.call('cancelRun', { params: { id } }),
    /** Ticks once now and again whenever a plugin record changes, until `signal` aborts. */
    pluginChanges: async function* (signal: AbortSignal): AsyncGenerator<void> {
      const response = await api.open('pluginEvents', {
        signal,
        headers: { accept: 'text/event-stream' },
      });
      if (response.body !== null) {
        for await (const event of readEvents(response.body)) {
          if (event.event === 'plugins') {
            yield;
          }
        }
      }
    },
    /** The run's progress events after `lastEventId`, until the stream ends or `signal` aborts. */
    runEvents: async function* (
      id: string,
      options: { lastEventId: string | undefined; signal: AbortSignal },
    ): AsyncGenerator<SseEvent> {
      const input: ApiInput<'runEvents'> = {
        params: { id },
        signal: options.signal,
        headers: {
          accept: 'text/event-stream',
          ...(options.lastEventId === undefined ? {} : { 'last-event-id': options.lastEventId }),
        },
      };
      const response = await api.open('runEvents', input);
      if (response.body !== null) {
        yield* readEvents(response.body);
      }
    },

    listCredentials: async (pluginId?: string) =>
      (await api.call('listCredentials', pluginId === undefined ? {} : { query: { pluginId } }))
        .credentials,
    createCredential: (
      target: { pluginId: string; integration: string },
      body: ApiBody<'createCredential'>,
    ) => api.call('createCredential', { params: target, body }),
    testCredential: (id: string) => api.call('testCredential', { params: { id } }),
    deleteCredential: (id: string) => api.call('deleteCredential', { params: { id } }),
  };
}
