// The whole system end to end, as real processes: the platform (embedded PGlite, then
// PostgreSQL), the Plugin Server and the plugin processes it starts. Plugins arrive from git and
// from an uploaded archive; a workflow chains a built-in node with plugin nodes that read an
// uploaded file and write a new one; a cancelled run stops inside the plugin; uninstall removes
// the nodes; a killed Plugin Server comes back with its plugins running.
import { cp, mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  startGitHttpsServer,
  type GitHttpsServer,
} from '../../packages/plugin-server/test/helpers/git-https-server.ts';
import { plugboardOk } from '../helpers/plugboard-cli.ts';
import { createTestPostgres } from './helpers/postgres.ts';
import { startSystem, type RunningSystem } from './helpers/system.ts';

const FIXTURES = fileURLToPath(new URL('./fixtures/', import.meta.url));

interface PluginRecord {
  id: string;
  status: string;
  reason?: string;
  nodes: string[];
  config: Record<string, unknown>;
}
interface Run {
  id: string;
  status: string;
  outputs?: Record<string, unknown>;
  error?: { code: string; message: string };
  nodes: {
    nodeId: string;
    status: string;
    outputs?: Record<string, unknown>;
    durationMs?: number;
  }[];
}

async function until<T>(
  what: string,
  probe: () => Promise<T | undefined>,
  timeoutMs = 60_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: Error | undefined;
  while (Date.now() < deadline) {
    try {
      const value = await probe();
      if (value !== undefined) {
        return value;
      }
    } catch (error) {
      last = error as Error;
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`timed out waiting for ${what}${last === undefined ? '' : `: ${last.message}`}`);
}

/** Reads a run's SSE stream until run.finished; returns the event types seen. */
async function followRun(
  system: RunningSystem,
  runId: string,
): Promise<{ type: string; data: Record<string, unknown> }[]> {
  const response = await system.api(`/api/runs/${runId}/events`);
  expect(response.headers.get('content-type')).toContain('text/event-stream');
  const events: { type: string; data: Record<string, unknown> }[] = [];
  const decoder = new TextDecoder();
  let buffer = '';
  for await (const chunk of response.body as unknown as AsyncIterable<Uint8Array>) {
    buffer += decoder.decode(chunk, { stream: true });
    let end: number;
    while ((end = buffer.indexOf('\n\n')) >= 0) {
      const block = buffer.slice(0, end);
      buffer = buffer.slice(end + 2);
      const type = /^event: (.+)$/m.exec(block)?.[1];
      const data = /^data: (.+)$/m.exec(block)?.[1];
      if (type !== undefined && data !== undefined) {
        events.push({ type, data: JSON.parse(data) as Record<string, unknown> });
      }
    }
  }
  return events;
}

const kinds = [
  { name: 'embedded PGlite', postgres: false },
  { name: 'PostgreSQL', postgres: true },
] as const;

describe.each(kinds)('the system on $name', ({ postgres }) => {
  let git: GitHttpsServer;
  let system: RunningSystem;
  let dataDir: string;
  let dropDatabase: (() => Promise<void>) | undefined;
  let archive: string;
  let repoUrl: string;

  beforeAll(async () => {
    dataDir = await mkdtemp(join(tmpdir(), 'plugboard-e2e-'));
    git = await startGitHttpsServer();
    const filesDir = join(dataDir, 'e2e-files');
    await cp(join(FIXTURES, 'e2e-files'), filesDir, { recursive: true });
    await plugboardOk(['plugin', 'manifest', '--out', 'plugboard.manifest.json'], filesDir);
    const files: Record<string, string> = {};
    for (const name of ['package.json', 'plugboard.manifest.json', 'src/index.ts']) {
      files[`plugins/e2e-files/${name}`] = await readFile(join(filesDir, name), 'utf8');
    }
    repoUrl = (await git.createRepo('tools', files)).url;
    const textDir = join(dataDir, 'e2e-text');
    await cp(join(FIXTURES, 'e2e-text'), textDir, { recursive: true });
    await plugboardOk(['plugin', 'manifest', '--out', 'plugboard.manifest.json'], textDir);
    archive = await plugboardOk(
      ['plugin', 'pack', '--out', join(dataDir, 'e2e-text.tar.gz')],
      textDir,
    );
    let databaseUrl: string | undefined;
    if (postgres) {
      const database = await createTestPostgres();
      databaseUrl = database.url;
      dropDatabase = () => database.drop();
    }
    system = await startSystem({ dataDir, databaseUrl, gitCaFile: git.caFile });
  }, 120_000);

  afterAll(async () => {
    // Each may be unset when beforeAll failed part-way.
    // eslint-disable-next-line @typescript-eslint/no-unnecessary-condition
    await system?.stop();
    // eslint-disable-next-line @typescript-eslint/no-unnecessary-condition
    await git?.close();
    await dropDatabase?.();
    await rm(dataDir, { recursive: true, force: true });
  });

  const record = async (id: string) => (await system.json<PluginRecord>(`/api/plugins/${id}`)).body;
  const reaches = (id: string, status: string) =>
    until(`${id} to be ${status}`, async () => {
      const r = await record(id);
      if (r.status === 'error' && status !== 'error') {
        throw new Error(`${id} failed: ${r.reason ?? ''}`);
      }
      return r.status === status ? r : undefined;
    });

  it('installs a plugin from git and one from an uploaded .tar.gz; webhooks bring installing then running and the nodes', async () => {
    const fromGit = await system.json<PluginRecord>('/api/plugins', {
      body: {
        id: 'e2e-files',
        source: { type: 'git', url: repoUrl, subdirectory: 'plugins/e2e-files' },
      },
    });
    expect(fromGit.status).toBe(202);
    expect(fromGit.body.status).toBe('installing');

    const upload = await system.api('/api/files', {
      method: 'POST',
      body: await readFile(archive),
      headers: { 'content-type': 'application/gzip', 'x-plugboard-file-name': 'e2e-text.tar.gz' },
    });
    expect(upload.status).toBe(201);
    const uploaded = (await upload.json()) as { id: string };
    const fromUpload = await system.json<PluginRecord>('/api/plugins', {
      body: { id: 'e2e-text', source: { type: 'upload', fileId: uploaded.id } },
    });
    expect(fromUpload.status).toBe(202);

    const files = await reaches('e2e-files', 'running');
    expect(files.nodes).toEqual(['e2e-files/read-text', 'e2e-files/write-text', 'e2e-files/wait']);
    await reaches('e2e-text', 'running');

    // Both statuses came by signed webhook, in order.
    const applied = (id: string) =>
      system.platformLog
        .filter((l) => l['pluginId'] === id && l['outcome'] === 'applied')
        .map((l) => l['status']);
    expect(applied('e2e-files').slice(0, 2)).toEqual(['installing', 'running']);
    expect(applied('e2e-text')).toContain('running');

    const nodes = (await system.json<{ nodes: { type: string }[] }>('/api/nodes')).body.nodes;
    const types = nodes.map((n) => n.type);
    expect(types).toEqual(
      expect.arrayContaining(['core/template', 'e2e-files/read-text', 'e2e-text/shout']),
    );
  }, 120_000);

  it('keeps credentials only when the plugin’s ready check accepts them', async () => {
    const rejected = await system.json<{ error: { code: string; message: string } }>(
      '/api/plugins/e2e-text/integrations/shout-api/credentials',
      { body: { name: 'wrong', data: { token: 'nope' } } },
    );
    expect(rejected.status).toBe(422);
    expect(rejected.body.error.message).toContain('unknown token');
    const accepted = await system.json<Record<string, unknown>>(
      '/api/plugins/e2e-text/integrations/shout-api/credentials',
      { body: { name: 'main', data: { token: 'let-me-shout' } } },
    );
    expect(accepted.status).toBe(201);
    expect(JSON.stringify(accepted.body)).not.toContain('let-me-shout');
  });

  it('runs a workflow chaining a built-in node and plugin nodes that read an uploaded file and write a new one', async () => {
    const input = await system.api('/api/files', {
      method: 'POST',
      body: 'hello plugboard',
      headers: { 'content-type': 'text/plain', 'x-plugboard-file-name': 'hello.txt' },
    });
    const doc = (await input.json()) as { id: string; name: string; contentType: string };
    const graph = {
      nodes: [
        { id: 'doc', type: 'core/input', config: { name: 'doc', type: 'file' } },
        { id: 'read', type: 'e2e-files/read-text' },
        { id: 'frame', type: 'core/template', config: { template: 'got: {{text}}' } },
        { id: 'shout', type: 'e2e-text/shout' },
        { id: 'write', type: 'e2e-files/write-text', config: { name: 'shouted.txt' } },
        { id: 'text', type: 'core/output', config: { name: 'text' } },
        { id: 'file', type: 'core/output', config: { name: 'file' } },
      ],
      edges: [
        { from: { node: 'doc', output: 'value' }, to: { node: 'read', input: 'doc' } },
        { from: { node: 'read', output: 'text' }, to: { node: 'frame', input: 'text' } },
        { from: { node: 'frame', output: 'text' }, to: { node: 'shout', input: 'text' } },
        { from: { node: 'shout', output: 'text' }, to: { node: 'write', input: 'text' } },
        { from: { node: 'shout', output: 'text' }, to: { node: 'text', input: 'value' } },
        { from: { node: 'write', output: 'doc' }, to: { node: 'file', input: 'value' } },
      ],
    };
    const saved = await system.json<{ id: string }>('/api/workflows', {
      body: { name: 'shout a file', graph },
    });
    expect(saved.status).toBe(201);
    const started = await system.json<Run>(`/api/workflows/${saved.body.id}/runs`, {
      body: { inputs: { doc } },
    });
    expect(started.status).toBe(202);
    const events = await followRun(system, started.body.id);
    expect(events.at(-1)?.type).toBe('run.finished');
    expect(events.filter((e) => e.type === 'node.finished')).toHaveLength(7);

    const run = (await system.json<Run>(`/api/runs/${started.body.id}`)).body;
    expect(run.status).toBe('succeeded');
    expect(run.outputs?.['text']).toBe('GOT: HELLO PLUGBOARD');
    const produced = run.outputs?.['file'] as { id: string; name: string };
    expect(produced.name).toBe('shouted.txt');
    const download = await system.api(`/api/files/${produced.id}`);
    expect(await download.text()).toBe('[e2e] GOT: HELLO PLUGBOARD');
    const read = run.nodes.find((n) => n.nodeId === 'read');
    expect(read?.outputs).toEqual({ text: 'hello plugboard', bytes: 15 });
    expect(read?.durationMs).toBeGreaterThan(0);
    // The shout node declares the integration, so its credentials came with the call.
    expect(run.nodes.find((n) => n.nodeId === 'shout')?.outputs?.['authorized']).toBe(true);
  }, 60_000);

  it('stops a cancelled run inside the plugin', async () => {
    const saved = await system.json<{ id: string }>('/api/workflows', {
      body: {
        name: 'wait a minute',
        graph: {
          nodes: [
            { id: 'ms', type: 'core/input', config: { name: 'ms', type: 'number' } },
            { id: 'wait', type: 'e2e-files/wait' },
          ],
          edges: [{ from: { node: 'ms', output: 'value' }, to: { node: 'wait', input: 'ms' } }],
        },
      },
    });
    const run = (
      await system.json<Run>(`/api/workflows/${saved.body.id}/runs`, {
        body: { inputs: { ms: 600_000 } },
      })
    ).body;
    await until('the wait node to start in the plugin', async () => {
      const log = await (await system.api('/api/plugins/e2e-files/logs?tail=50')).text();
      return log.includes('wait started') ? true : undefined;
    });
    const cancel = await system.json<Run>(`/api/runs/${run.id}/cancel`, { body: {} });
    expect(cancel.status).toBe(202);
    const ended = await until(
      'the run to end',
      async () => {
        const r = (await system.json<Run>(`/api/runs/${run.id}`)).body;
        return r.status === 'running' ? undefined : r;
      },
      15_000,
    );
    expect(ended.status).toBe('cancelled');
    await until(
      'the plugin to see the abort',
      async () => {
        const log = await (await system.api('/api/plugins/e2e-files/logs?tail=50')).text();
        return log.includes('wait aborted') ? true : undefined;
      },
      10_000,
    );
  }, 60_000);

  it('refuses bad input with a clear 4xx and changes nothing', async () => {
    const before = (await system.json<{ workflows: unknown[] }>('/api/workflows')).body.workflows
      .length;
    const cyclic = await system.json<{
      error: { code: string; details: { issues: { code: string }[] } };
    }>('/api/workflows', {
      body: {
        name: 'loop',
        graph: {
          nodes: [
            { id: 'a', type: 'e2e-text/shout' },
            { id: 'b', type: 'e2e-text/shout' },
          ],
          edges: [
            { from: { node: 'a', output: 'text' }, to: { node: 'b', input: 'text' } },
            { from: { node: 'b', output: 'text' }, to: { node: 'a', input: 'text' } },
          ],
        },
      },
    });
    expect(cyclic.status).toBe(422);
    expect(cyclic.body.error.code).toBe('PLAT_WORKFLOW_INVALID');
    const unknown = await system.json<{ error: { message: string } }>('/api/workflows', {
      body: { name: 'ghost', graph: { nodes: [{ id: 'a', type: 'nope/missing' }], edges: [] } },
    });
    expect(unknown.status).toBe(422);
    const mismatch = await system.json<{ error: { message: string } }>('/api/workflows', {
      body: {
        name: 'types',
        graph: {
          nodes: [
            { id: 'read', type: 'e2e-files/read-text' },
            { id: 'wait', type: 'e2e-files/wait' },
            { id: 'doc', type: 'core/input', config: { name: 'doc', type: 'file' } },
          ],
          edges: [
            { from: { node: 'doc', output: 'value' }, to: { node: 'read', input: 'doc' } },
            { from: { node: 'read', output: 'text' }, to: { node: 'wait', input: 'ms' } },
          ],
        },
      },
    });
    expect(mismatch.status).toBe(422);
    expect(
      (await system.json<{ workflows: unknown[] }>('/api/workflows')).body.workflows,
    ).toHaveLength(before);

    expect((await system.json('/api/plugins/not-there')).status).toBe(404);
    expect(
      (
        await fetch(`${system.platformUrl}/api/plugins`, {
          headers: { authorization: 'Bearer wrong-token-000000' },
        })
      ).status,
    ).toBe(401);
    const forged = await fetch(`${system.platformUrl}/plugin-server/status`, {
      method: 'POST',
      headers: {
        authorization: 'Bearer e2e-platform-key-0123456789',
        'content-type': 'application/json',
        'webhook-id': 'msg_forged',
        'webhook-timestamp': String(Math.floor(Date.now() / 1000)),
        'webhook-signature': 'v1,AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=',
      },
      body: JSON.stringify({
        type: 'plugin.status',
        pluginId: 'e2e-files',
        status: 'error',
        sequence: 999999,
        occurredAt: new Date().toISOString(),
      }),
    });
    expect(forged.status).toBe(401);
    expect((await record('e2e-files')).status).toBe('running');
  });

  it('uninstall removes the nodes; a killed Plugin Server comes back with its plugins running', async () => {
    const uninstall = await system.json<PluginRecord>('/api/plugins/e2e-text/uninstall', {
      body: {},
    });
    expect(uninstall.status).toBe(202);
    const nodes = (await system.json<{ nodes: { type: string }[] }>('/api/nodes')).body.nodes;
    expect(nodes.map((n) => n.type)).not.toContain('e2e-text/shout');
    await reaches('e2e-text', 'uninstalled');

    const runningReports = () =>
      system.platformLog.filter(
        (l) =>
          l['pluginId'] === 'e2e-files' && l['status'] === 'running' && l['outcome'] === 'applied',
      ).length;
    const before = runningReports();
    await system.killServer();
    await system.startServer();
    // The restarted server brings the plugin back and says so by webhook.
    await until('a new running report', () =>
      Promise.resolve(runningReports() > before ? true : undefined),
    );
    const back = await reaches('e2e-files', 'running');
    expect(back.nodes).toContain('e2e-files/read-text');
    const server = await fetch(`${system.serverUrl}/plugins/e2e-text`, {
      headers: { authorization: 'Bearer e2e-server-key-0123456789' },
    });
    expect(server.status).toBe(404);
  }, 90_000);
});
