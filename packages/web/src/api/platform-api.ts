/**
 * @module The platform's public API, typed: every call the UI makes, and nothing else (the UI has
 * no backend of its own).
 */
import { createHttp, type Http, type HttpOptions } from './http.ts';
import { readEvents, type SseEvent } from './sse.ts';
import type {
  Credential,
  FileRef,
  InstallRequest,
  MarketplacePlugin,
  NodeConfigOptions,
  NodeType,
  PluginGrant,
  PluginRecord,
  PluginSource,
  Run,
  Workflow,
  WorkflowGraph,
  WorkflowIssue,
} from './types.ts';

export type PlatformApi = ReturnType<typeof createPlatformApi>;

interface WorkflowBody {
  readonly name: string;
  readonly description?: string;
  readonly graph: WorkflowGraph;
}

const seg = encodeURIComponent;

export function createPlatformApi(options: HttpOptions) {
  const http: Http = createHttp(options);
  return {
    listPlugins: async () => (await http.json<{ plugins: PluginRecord[] }>('/api/plugins')).plugins,
    getPlugin: (id: string) => http.json<PluginRecord>(`/api/plugins/${seg(id)}`),
    installPlugin: (body: InstallRequest) =>
      http.json<PluginRecord>('/api/plugins', { method: 'POST', body }),
    configurePlugin: (id: string, config: Record<string, unknown>) =>
      http.json<PluginRecord>(`/api/plugins/${seg(id)}/config`, {
        method: 'PUT',
        body: { config },
      }),
    grantPlugin: (id: string, grant: PluginGrant) =>
      http.json<PluginRecord>(`/api/plugins/${seg(id)}/grant`, {
        method: 'PUT',
        body: { grant },
      }),
    restartPlugin: (id: string) =>
      http.json<PluginRecord>(`/api/plugins/${seg(id)}/restart`, { method: 'POST' }),
    updatePlugin: (id: string, body: { source?: PluginSource; version?: string }) =>
      http.json<PluginRecord>(`/api/plugins/${seg(id)}/update`, { method: 'POST', body }),
    uninstallPlugin: (id: string) =>
      http.json<PluginRecord>(`/api/plugins/${seg(id)}/uninstall`, { method: 'POST' }),
    pluginLogs: (id: string, tail: number) =>
      http.text(`/api/plugins/${seg(id)}/logs?tail=${String(tail)}`),
    nodeConfigOptions: (
      target: { pluginId: string; node: string },
      config: Record<string, unknown>,
    ) =>
      http.json<NodeConfigOptions>(
        `/api/plugins/${seg(target.pluginId)}/nodes/${seg(target.node)}/config`,
        { method: 'POST', body: { config } },
      ),

    marketplace: async (q: string) =>
      (
        await http.json<{ plugins: MarketplacePlugin[] }>(
          `/api/marketplace${q === '' ? '' : `?q=${seg(q)}`}`,
        )
      ).plugins,

    uploadFile: (file: File, onProgress: (fraction: number) => void) =>
      http.upload<FileRef>(`/api/files?name=${seg(file.name)}`, file, onProgress),
    downloadFile: async (id: string) => (await http.raw(`/api/files/${seg(id)}`)).blob(),

    listNodes: async () => (await http.json<{ nodes: NodeType[] }>('/api/nodes')).nodes,
    listWorkflows: async () =>
      (await http.json<{ workflows: Workflow[] }>('/api/workflows')).workflows,
    getWorkflow: (id: string) => http.json<Workflow>(`/api/workflows/${seg(id)}`),
    createWorkflow: (body: WorkflowBody) =>
      http.json<Workflow>('/api/workflows', { method: 'POST', body }),
    updateWorkflow: (id: string, body: WorkflowBody) =>
      http.json<Workflow>(`/api/workflows/${seg(id)}`, { method: 'PUT', body }),
    deleteWorkflow: (id: string) =>
      http.json<undefined>(`/api/workflows/${seg(id)}`, { method: 'DELETE' }),
    validateWorkflow: (graph: WorkflowGraph, signal?: AbortSignal) =>
      http.json<{ valid: boolean; issues: WorkflowIssue[] }>('/api/workflows/validate', {
        method: 'POST',
        body: { graph },
        ...(signal === undefined ? {} : { signal }),
      }),

    startRun: (workflowId: string, inputs: Record<string, unknown>) =>
      http.json<Run>(`/api/workflows/${seg(workflowId)}/runs`, {
        method: 'POST',
        body: { inputs },
      }),
    listRuns: async (workflowId?: string) =>
      (
        await http.json<{ runs: Run[] }>(
          `/api/runs?limit=50${workflowId === undefined ? '' : `&workflowId=${seg(workflowId)}`}`,
        )
      ).runs,
    getRun: (id: string) => http.json<Run>(`/api/runs/${seg(id)}`),
    cancelRun: (id: string) => http.json<Run>(`/api/runs/${seg(id)}/cancel`, { method: 'POST' }),
    /** Ticks once now and again whenever a plugin record changes, until `signal` aborts. */
    pluginChanges: async function* (signal: AbortSignal): AsyncGenerator<void> {
      const response = await http.raw('/api/plugins/events', {
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
      const response = await http.raw(`/api/runs/${seg(id)}/events`, {
        signal: options.signal,
        headers: {
          accept: 'text/event-stream',
          ...(options.lastEventId === undefined ? {} : { 'last-event-id': options.lastEventId }),
        },
      });
      if (response.body !== null) {
        yield* readEvents(response.body);
      }
    },

    listCredentials: async (pluginId?: string) =>
      (
        await http.json<{ credentials: Credential[] }>(
          `/api/credentials${pluginId === undefined ? '' : `?pluginId=${seg(pluginId)}`}`,
        )
      ).credentials,
    createCredential: (
      target: { pluginId: string; integration: string },
      body: { name: string; data: Record<string, unknown> },
    ) =>
      http.json<Credential & { ready: true }>(
        `/api/plugins/${seg(target.pluginId)}/integrations/${seg(target.integration)}/credentials`,
        { method: 'POST', body },
      ),
    testCredential: (id: string) =>
      http.json<{ id: string; ready: boolean; message?: string }>(
        `/api/credentials/${seg(id)}/test`,
        { method: 'POST' },
      ),
    deleteCredential: (id: string) =>
      http.json<undefined>(`/api/credentials/${seg(id)}`, { method: 'DELETE' }),
  };
}
