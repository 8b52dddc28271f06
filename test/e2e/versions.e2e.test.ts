// Versions side by side, end to end with real processes: a workflow saved against v1 keeps
// running on v1 after v2 (which renames an input) is installed and made current, and the platform
// lists it as affected before anything moves; a new workflow runs on v2 at the same time; the old
// one is upgraded once fixed; a rollback restores the previous version in under 2 s; a third
// version (2.1.0) that crash-loops after an update is rolled back automatically, with the reason
// in its status.
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type {
  PluginRecordView,
  Run,
  UpdateImpact,
  WorkflowGraphInput,
} from '@plugboard/platform-api';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { packVersionedPlugin } from '../helpers/versioned-plugin.ts';
import { startSystem, type RunningSystem } from './helpers/system.ts';

const PLUGIN = 'e2e-versions';

const pack = (dir: string, version: string, input: string, crashes = false): Promise<string> =>
  packVersionedPlugin(dir, {
    id: PLUGIN,
    version,
    node: 'greet',
    input,
    crash: crashes ? 'soon' : undefined,
  });

async function until<T>(what: string, probe: () => Promise<T | undefined>, timeoutMs = 30_000) {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const value = await probe();
    if (value !== undefined) {
      return value;
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`timed out waiting for ${what}`);
}

const greeting = (input: string): WorkflowGraphInput => ({
  nodes: [
    { id: 'who', type: 'core/input', config: { name: 'who', type: 'string' } },
    { id: 'greet', type: `${PLUGIN}/greet` },
    { id: 'out', type: 'core/output', config: { name: 'greeting' } },
  ],
  edges: [
    { from: { node: 'who', output: 'value' }, to: { node: 'greet', input } },
    { from: { node: 'greet', output: 'version' }, to: { node: 'out', input: 'value' } },
  ],
});

describe('plugin versions side by side', () => {
  let system: RunningSystem;
  let dir: string;
  const archives: Record<string, string> = {};

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'plugboard-e2e-versions-'));
    archives['1.0.0'] = await pack(dir, '1.0.0', 'text');
    archives['2.0.0'] = await pack(dir, '2.0.0', 'name');
    archives['2.1.0'] = await pack(dir, '2.1.0', 'name', true);
    system = await startSystem({
      dataDir: dir,
      serverEnv: {
        PLUGBOARD_SERVER_CRASH_LOOP_COUNT: '2',
        PLUGBOARD_SERVER_RESTART_BASE_MS: '100',
      },
    });
  }, 120_000);

  afterAll(async () => {
    // eslint-disable-next-line @typescript-eslint/no-unnecessary-condition
    await system?.stop();
    await rm(dir, { recursive: true, force: true });
  });

  const upload = async (version: string) => {
    const response = await system.api('/api/files', {
      method: 'POST',
      body: await readFile(archives[version] ?? ''),
      headers: { 'content-type': 'application/gzip', 'x-plugboard-file-name': `${version}.tgz` },
    });
    expect(response.status).toBe(201);
    return { type: 'upload' as const, fileId: ((await response.json()) as { id: string }).id };
  };
  const plugin = async () => (await system.json<PluginRecordView>(`/api/plugins/${PLUGIN}`)).body;
  const current = (version: string) =>
    until(`${version} to be current and running`, async () => {
      const record = await plugin();
      const listed = record.versions.find((v) => v.version === version);
      return record.status === 'running' && listed?.state === 'current' ? record : undefined;
    });
  const run = async (workflowId: string, who: string) => {
    const started = await system.json<Run>(`/api/workflows/${workflowId}/runs`, {
      body: { inputs: { who } },
    });
    expect(started.status).toBe(202);
    return until(`run ${started.body.id} to end`, async () => {
      const r = (await system.json<Run>(`/api/runs/${started.body.id}`)).body;
      return r.status === 'queued' || r.status === 'running' ? undefined : r;
    });
  };
  const save = async (name: string, graph: WorkflowGraphInput) => {
    const saved = await system.json<{ id: string; graph: { nodes: { type: string }[] } }>(
      '/api/workflows',
      { body: { name, graph } },
    );
    expect(saved.status, JSON.stringify(saved.body)).toBe(201);
    return saved.body;
  };

  let oldWorkflow = '';

  it('pins a workflow saved against v1 to its major', async () => {
    const installed = await system.json(`/api/plugins`, {
      body: { id: PLUGIN, source: await upload('1.0.0') },
    });
    expect(installed.status).toBe(202);
    await current('1.0.0');
    const saved = await save('greet on v1', greeting('text'));
    expect(saved.graph.nodes[1]?.type).toBe(`${PLUGIN}/greet@^1`);
    oldWorkflow = saved.id;
    const done = await run(oldWorkflow, 'ada');
    expect(done.status).toBe('succeeded');
    expect(done.outputs?.['greeting']).toBe('1.0.0');
  });

  it('installs v2 beside v1 and lists the affected workflow before anything moves', async () => {
    const staged = await system.json(`/api/plugins/${PLUGIN}/update`, {
      body: { source: await upload('2.0.0'), activate: false },
    });
    expect(staged.status).toBe(202);
    await until('2.0.0 to be staged', async () => {
      const record = await plugin();
      return record.status === 'running' &&
        record.versions.some((v) => v.version === '2.0.0' && v.state === 'staged')
        ? record
        : undefined;
    });
    const impact = await system.json<UpdateImpact>(
      `/api/plugins/${PLUGIN}/update-impact?version=2.0.0`,
    );
    expect(impact.status).toBe(200);
    expect(impact.body).toMatchObject({ fromVersion: '1.0.0', toVersion: '2.0.0', breaks: 0 });
    expect(impact.body.workflows).toHaveLength(1);
    const affected = impact.body.workflows[0];
    expect(affected).toMatchObject({ id: oldWorkflow, name: 'greet on v1' });
    expect(affected?.nodes[0]).toMatchObject({
      nodeId: 'greet',
      type: `${PLUGIN}/greet@^1`,
      runsOn: '1.0.0',
      moves: false,
    });
    expect(affected?.nodes[0]?.changes.map((c) => c.kind)).toEqual(
      expect.arrayContaining(['input_removed', 'input_required']),
    );
    // Nothing moved: v1 is still current, and the workflow still runs on it.
    expect((await plugin()).version).toBe('1.0.0');
    expect((await run(oldWorkflow, 'ada')).outputs?.['greeting']).toBe('1.0.0');
  });

  let newWorkflow = '';

  it('makes v2 current: the old workflow runs on v1 while a new one runs on v2', async () => {
    const activated = await system.json(`/api/plugins/${PLUGIN}/activate`, {
      body: { version: '2.0.0' },
    });
    expect(activated.status).toBe(202);
    const record = await current('2.0.0');
    expect(record.versions.map((v) => `${v.version} ${v.state}`)).toEqual([
      '2.0.0 current',
      '1.0.0 kept',
    ]);
    const nodes = (
      await system.json<{ nodes: { type: string; pin?: string; version?: string }[] }>('/api/nodes')
    ).body.nodes;
    expect(nodes.find((n) => n.type === `${PLUGIN}/greet`)).toMatchObject({
      version: '2.0.0',
      pin: `${PLUGIN}/greet@^2`,
    });
    newWorkflow = (await save('greet on v2', greeting('name'))).id;
    const [old, fresh] = await Promise.all([run(oldWorkflow, 'ada'), run(newWorkflow, 'bob')]);
    expect(old).toMatchObject({ status: 'succeeded', outputs: { greeting: '1.0.0' } });
    expect(fresh).toMatchObject({ status: 'succeeded', outputs: { greeting: '2.0.0' } });
  });

  it('upgrades the old workflow once it is fixed, and says what to fix before', async () => {
    const refused = await system.json<{ error: { code: string; details: { issues: unknown[] } } }>(
      `/api/workflows/${oldWorkflow}/upgrade`,
      { body: { pluginId: PLUGIN } },
    );
    expect(refused.status).toBe(422);
    expect(refused.body.error.details.issues).toEqual(
      expect.arrayContaining([
        expect.objectContaining({
          code: 'unknown_input',
          message: expect.stringContaining('has no input "text"; its inputs are "name"') as string,
        }),
      ]),
    );
    const fixed = greeting('name');
    const upgraded = await system.json<{ upgraded: { nodeId: string; to: string }[] }>(
      `/api/workflows/${oldWorkflow}/upgrade`,
      { body: { pluginId: PLUGIN, graph: { ...fixed, nodes: fixed.nodes } } },
    );
    expect(upgraded.status, JSON.stringify(upgraded.body)).toBe(200);
    expect(upgraded.body.upgraded).toEqual([
      { nodeId: 'greet', from: `${PLUGIN}/greet`, to: `${PLUGIN}/greet@^2` },
    ]);
    expect((await run(oldWorkflow, 'ada')).outputs?.['greeting']).toBe('2.0.0');
  });

  it('rolls back to the previous version in under 2 s', async () => {
    const started = performance.now();
    const rolled = await system.json(`/api/plugins/${PLUGIN}/rollback`, { body: {} });
    expect(rolled.status).toBe(202);
    const record = await current('1.0.0');
    const seconds = (performance.now() - started) / 1000;
    process.stdout.write(`rollback: 2.0.0 → 1.0.0 current in ${seconds.toFixed(2)} s\n`);
    expect(seconds).toBeLessThan(2);
    expect(record.reason).toBe('rolled back from 2.0.0 to 1.0.0 on request');
    expect(record.versions.find((v) => v.version === '2.0.0')?.state).toBe('rolled_back');
    // A workflow pinned to v2 now says why it cannot run, and how to fix that.
    const pinned = await run(newWorkflow, 'bob');
    expect(pinned.status).toBe('failed');
    expect(JSON.stringify(pinned.error)).toContain('satisfies ^2');
  });

  it('rolls back a v2.1 that crash-loops after an update, with the reason shown', async () => {
    await system.json(`/api/plugins/${PLUGIN}/activate`, { body: { version: '2.0.0' } });
    await current('2.0.0');
    const updated = await system.json(`/api/plugins/${PLUGIN}/update`, {
      body: { source: await upload('2.1.0') },
    });
    expect(updated.status).toBe(202);
    const record = await until(
      '2.1.0 to be rolled back',
      async () => {
        const r = await plugin();
        return r.status === 'running' &&
          r.versions.some((v) => v.version === '2.1.0' && v.state === 'rolled_back')
          ? r
          : undefined;
      },
      60_000,
    );
    expect(record.version).toBe('2.0.0');
    expect(record.reason).toContain(
      'rolled back from 2.1.0 to 2.0.0 automatically: version 2.1.0 crash-looped after it was made current',
    );
    const log = await (await system.api(`/api/plugins/${PLUGIN}/logs?tail=200`)).text();
    expect(log).toContain('crash-looped after it was made current');
    // Both workflows pinned to ^2 run on 2.0.0 again.
    expect((await run(newWorkflow, 'bob')).outputs?.['greeting']).toBe('2.0.0');
  }, 90_000);
});
