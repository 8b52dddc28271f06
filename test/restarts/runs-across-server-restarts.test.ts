// Runs are not lost when the Plugin Server restarts beside a running platform: a routine restart
// (SIGTERM, then start) under a steady 5 runs/s, and a Plugin Server that is down while runs are
// queued and comes back later. Every run ends `succeeded`. Real processes: `plugboard platform`
// on embedded PGlite, `plugboard server`, and the plugin processes it starts.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ROOT } from '../helpers/npm-start.ts';
import { startSystem, type RunningSystem } from '../e2e/helpers/system.ts';

let system: RunningSystem;
let dataDir: string;
let workflowId: string;

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

beforeAll(async () => {
  dataDir = await mkdtemp(join(tmpdir(), 'plugboard-run-restarts-'));
  system = await startSystem({ dataDir });
  const installed = await system.json('/api/plugins', {
    body: { id: 'text-tools', source: { type: 'local', path: join(ROOT, 'plugins/text-tools') } },
  });
  expect(installed.status).toBe(202);
  const deadline = Date.now() + 90_000;
  while (
    (await system.json<{ status: string }>('/api/plugins/text-tools')).body.status !== 'running'
  ) {
    if (Date.now() > deadline) {
      throw new Error('text-tools did not reach running');
    }
    await sleep(200);
  }
  const saved = await system.json<{ id: string }>('/api/workflows', {
    body: {
      name: 'shout',
      graph: {
        nodes: [
          { id: 'in', type: 'core/input', config: { name: 'text', type: 'string' } },
          { id: 'upper', type: 'text-tools/change-case', config: { to: 'upper' } },
          { id: 'out', type: 'core/output', config: { name: 'text' } },
        ],
        edges: [
          { from: { node: 'in', output: 'value' }, to: { node: 'upper', input: 'text' } },
          { from: { node: 'upper', output: 'text' }, to: { node: 'out', input: 'value' } },
        ],
      },
    },
  });
  expect(saved.status, JSON.stringify(saved.body)).toBe(201);
  workflowId = saved.body.id;
}, 120_000);

afterAll(async () => {
  // Unset when beforeAll failed part-way.
  // eslint-disable-next-line @typescript-eslint/no-unnecessary-condition
  await system?.stop();
  await rm(dataDir, { recursive: true, force: true });
});

async function submit(text: string): Promise<string> {
  const started = await system.json<{ id: string }>(`/api/workflows/${workflowId}/runs`, {
    body: { inputs: { text } },
  });
  expect(started.status).toBe(202);
  return started.body.id;
}

/** Each run's end, as `status` or `status: error message` so a failure explains itself. */
async function outcomes(runIds: readonly string[]): Promise<string[]> {
  const deadline = Date.now() + 90_000;
  for (;;) {
    const runs = await Promise.all(
      runIds.map(
        async (id) =>
          (await system.json<{ status: string; error?: { message: string } }>(`/api/runs/${id}`))
            .body,
      ),
    );
    if (
      runs.every((r) => r.status !== 'queued' && r.status !== 'running') ||
      Date.now() > deadline
    ) {
      return runs.map((r) =>
        r.error === undefined ? r.status : `${r.status}: ${r.error.message}`,
      );
    }
    await sleep(250);
  }
}

describe('runs across a Plugin Server restart', () => {
  it('loses no run when the Plugin Server restarts under 5 runs/s', async () => {
    const runs: Promise<string>[] = [];
    const load = (async () => {
      for (let i = 0; i < 40; i += 1) {
        runs.push(submit(`steady ${String(i)}`));
        await sleep(200);
      }
    })();
    await sleep(1_500);
    await system.stopServer();
    await system.startServer();
    await load;
    const ids = await Promise.all(runs);
    expect(await outcomes(ids)).toEqual(ids.map(() => 'succeeded'));
  }, 180_000);

  it('runs queued while the Plugin Server is down succeed once it is back', async () => {
    await system.killServer();
    const ids = await Promise.all(
      Array.from({ length: 10 }, (_, i) => submit(`down ${String(i)}`)),
    );
    await sleep(3_000);
    await system.startServer();
    expect(await outcomes(ids)).toEqual(ids.map(() => 'succeeded'));
  }, 180_000);
});
