// The paths of `plugboard plugins update|rollback` a working system seldom takes, against a
// stand-in platform on a real port whose plugin record moves as each test scripts it: a new
// version the Plugin Server rolls back, a staging that fails, a version already staged, the
// rollback target, a workflow upgrade refused; the real CLI as a child process.
import { once } from 'node:events';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { PluginRecordView, UpdateImpact } from '@plugboard/platform-api';
import { runCli, type CliResult } from './operator-env.ts';

type Entry = PluginRecordView['versions'][number];
type Record_ = PluginRecordView;

const entry = (version: string, state: Entry['state'], more: Partial<Entry> = {}): Entry => ({
  version,
  state,
  running: state === 'current',
  installedAt: '2026-12-06T14:00:00.000Z',
  nodes: ['p/shout'],
  ...more,
});

const record = (versions: Entry[], more: Partial<Record_> = {}): Record_ => {
  const current = versions.find((v) => v.state === 'current');
  return {
    id: 'p',
    status: 'running',
    source: { type: 'git' },
    config: {},
    restarts: 0,
    nodes: ['p/shout'],
    asks: [],
    grant: {},
    versions,
    ...(current === undefined ? {} : { version: current.version }),
    createdAt: '2026-12-06T14:00:00.000Z',
    updatedAt: '2026-12-06T14:00:00.000Z',
    ...more,
  };
};

const impact = (to: string, breaks = 0): UpdateImpact => ({
  pluginId: 'p',
  fromVersion: '1.0.0',
  toVersion: to,
  changes: [],
  operator: [],
  workflows: [],
  breaks,
});

interface Call {
  readonly method: string;
  readonly path: string;
  readonly body: unknown;
}

describe('plugboard plugins update|rollback and workflows upgrade, the paths seldom taken', () => {
  let server: Server;
  let url = '';
  const calls: Call[] = [];
  /** What GET /api/plugins/p answers, one after the other; the last one stays. */
  let reads: Record_[] = [];
  /** What the other routes answer, by "METHOD path". */
  let answers: Record<string, unknown> = {};
  /** The HTTP status of an answer that is an error envelope, by "METHOD path". */
  const refusals = new Map<string, number>();

  const cli = (args: readonly string[]): Promise<CliResult> =>
    runCli([...args, '--url', url, '--token', 'stand-in-token']);
  const sent = (method: string, path: string) =>
    calls.filter((c) => c.method === method && c.path === path).map((c) => c.body);

  beforeAll(async () => {
    server = createServer((req, res) => {
      let text = '';
      req.setEncoding('utf8').on('data', (chunk: string) => (text += chunk));
      req.on('end', () => {
        const method = req.method ?? 'GET';
        const path = req.url ?? '/';
        calls.push({ method, path, body: text === '' ? undefined : JSON.parse(text) });
        const answer =
          method === 'GET' && path === '/api/plugins/p'
            ? reads.length > 1
              ? reads.shift()
              : reads[0]
            : answers[`${method} ${path}`];
        const status = answer === undefined ? 404 : (refusals.get(`${method} ${path}`) ?? 200);
        res.writeHead(status, { 'content-type': 'application/json' });
        res.end(
          JSON.stringify(
            answer ?? { error: { code: 'PLAT_NOT_FOUND', message: path, retryable: false } },
          ),
        );
      });
    });
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    url = `http://127.0.0.1:${String((server.address() as AddressInfo).port)}`;
  });
  afterAll(async () => {
    const closed = once(server, 'close');
    server.close();
    server.closeAllConnections();
    await closed;
  });
  beforeEach(() => {
    calls.length = 0;
    reads = [];
    answers = {};
    refusals.clear();
  });

  it('a new version the Plugin Server rolls back fails the update with its reason; 1.0.0 serves', async () => {
    const before = record([entry('1.0.0', 'current')]);
    const staged = record([entry('2.0.0', 'staged'), entry('1.0.0', 'current')]);
    const back = record([
      entry('2.0.0', 'rolled_back', { reason: 'it exited with code 1 at start' }),
      entry('1.0.0', 'current'),
    ]);
    reads = [before, before, staged, staged, back];
    answers = {
      'POST /api/plugins/p/update': before,
      'GET /api/plugins/p/update-impact?version=2.0.0': impact('2.0.0'),
      'POST /api/plugins/p/activate': staged,
    };
    const result = await cli([
      'plugins',
      'update',
      'p',
      '--git',
      'https://example.com/p.git',
      '--ref',
      'v2',
      '--json',
    ]);
    expect(result.code).toBe(1);
    expect(sent('POST', '/api/plugins/p/update')).toEqual([
      { activate: false, source: { type: 'git', url: 'https://example.com/p.git', ref: 'v2' } },
    ]);
    expect(sent('POST', '/api/plugins/p/activate')).toEqual([{ version: '2.0.0' }]);
    expect(result.stderr).toContain('  p 2.0.0: staged');
    expect(result.stderr).toContain(
      'error CLI_PLUGIN_FAILED: 2.0.0 was rolled back: it exited with code 1 at start; 1.0.0 is current',
    );
    expect(JSON.parse(result.stdout)).toEqual({ impact: impact('2.0.0'), plugin: back });
  });

  it('a staging that fails says why, and activates nothing', async () => {
    const before = record([entry('1.0.0', 'current')]);
    // While 1.0.0 serves, a failed install leaves the plugin running, its reason saying why.
    reads = [
      before,
      record(before.versions, { status: 'installing' }),
      record(before.versions, {
        reason: 'the install failed and version 1.0.0 keeps serving: no such tag v9',
        updatedAt: '2026-12-06T14:00:05.000Z',
      }),
    ];
    answers = { 'POST /api/plugins/p/update': before };
    const result = await cli(['plugins', 'update', 'p', '--version', '9.0.0']);
    expect(result.code).toBe(1);
    expect(result.stdout).toBe('');
    expect(result.stderr).toContain(
      'error CLI_PLUGIN_FAILED: plugin "p" could not stage 9.0.0: the install failed and version 1.0.0 keeps serving: no such tag v9',
    );
    expect(sent('POST', '/api/plugins/p/activate')).toEqual([]);

    // With nothing serving, it ends in error.
    reads = [before, record([], { status: 'error', reason: 'no such tag v9' })];
    const failed = await cli(['plugins', 'update', 'p', '--version', '9.0.0']);
    expect(failed.code).toBe(1);
    expect(failed.stderr).toContain(
      'error CLI_PLUGIN_FAILED: plugin "p" could not stage 9.0.0: no such tag v9',
    );
  });

  it('a version already staged is not installed again: the impact, then current', async () => {
    const staged = record([entry('2.0.0', 'staged'), entry('1.0.0', 'current')]);
    const current = record([entry('2.0.0', 'current'), entry('1.0.0', 'kept')]);
    reads = [staged, current];
    answers = {
      'GET /api/plugins/p/update-impact?version=2.0.0': impact('2.0.0'),
      'POST /api/plugins/p/activate': staged,
    };
    const result = await cli(['plugins', 'update', 'p', '--version', '2.0.0']);
    expect(result.code, result.stderr).toBe(0);
    expect(sent('POST', '/api/plugins/p/update')).toEqual([]);
    expect(result.stderr).toContain('p 2.0.0 is already staged.');
    expect(result.stdout).toContain('p 1.0.0 → 2.0.0\n');
    expect(result.stdout).toContain('No saved workflow node would break on 2.0.0.\n');
    expect(result.stdout).toContain('p 2.0.0: running; nodes: p/shout');
  });

  it('refuses when nodes would break; --no-wait only stages', async () => {
    const staged = record([entry('2.0.0', 'staged'), entry('1.0.0', 'current')]);
    reads = [staged];
    answers = { 'GET /api/plugins/p/update-impact?version=2.0.0': impact('2.0.0', 3) };
    const refused = await cli(['plugins', 'update', 'p', '--version', '2.0.0']);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain(
      'error CLI_UPDATE_BREAKS: 3 workflow nodes would break on p 2.0.0: fix them or rerun with --yes; the new version stays installed as staged',
    );
    expect(sent('POST', '/api/plugins/p/activate')).toEqual([]);

    reads = [record([entry('1.0.0', 'current')])];
    answers = { 'POST /api/plugins/p/update': reads[0] };
    const noWait = await cli(['plugins', 'update', 'p', '--version', '3.0.0', '--no-wait']);
    expect(noWait).toMatchObject({ code: 0, stdout: 'p: staging 3.0.0\n' });
    expect(sent('POST', '/api/plugins/p/update')).toEqual([{ activate: false, version: '3.0.0' }]);
  });

  it('rolls back to the highest kept version below the current one, and waits until it runs', async () => {
    const before = record([
      entry('2.0.0', 'current'),
      entry('1.5.0', 'kept'),
      entry('1.0.0', 'kept'),
    ]);
    const moving = record(
      [entry('2.0.0', 'rolled_back'), entry('1.5.0', 'current'), entry('1.0.0', 'kept')],
      { status: 'restarting' },
    );
    const after = record(moving.versions);
    reads = [before, moving, after];
    answers = { 'POST /api/plugins/p/rollback': before };
    const result = await cli(['plugins', 'rollback', 'p']);
    expect(result.code, result.stderr).toBe(0);
    expect(sent('POST', '/api/plugins/p/rollback')).toEqual([{}]);
    expect(result.stderr).toContain('Rolling p back from 2.0.0 to 1.5.0');
    expect(result.stdout).toBe('p: 2.0.0 → 1.5.0, running\n');

    reads = [before, after];
    const to = await cli(['plugins', 'rollback', 'p', '--to', '1.0.0', '--timeout', '1']);
    expect(sent('POST', '/api/plugins/p/rollback').at(-1)).toEqual({ to: '1.0.0' });
    expect(to.code).toBe(1);
    expect(to.stderr).toContain(
      'error CLI_TIMEOUT: plugin "p" is still running after 1 s (waiting for 1.0.0 to be current and running)',
    );
  });

  it('workflows upgrade: the references rewritten, or each node to fix when the graph does not fit', async () => {
    const workflow = {
      id: 'wf_1',
      name: 'shouting',
      graph: { nodes: [], edges: [] },
      createdAt: '2026-12-06T14:00:00.000Z',
      updatedAt: '2026-12-06T14:00:00.000Z',
    };
    answers = {
      'GET /api/workflows': { workflows: [workflow] },
      'POST /api/workflows/wf_1/upgrade': {
        workflow,
        upgraded: [{ nodeId: 'shout', from: 'p/shout@^1', to: 'p/shout@^2' }],
      },
    };
    const upgraded = await cli(['workflows', 'upgrade', 'shouting', '--plugin', 'p']);
    expect(upgraded).toMatchObject({
      code: 0,
      stdout: 'Upgraded 1 node of "shouting" (wf_1):\n  shout: p/shout@^1 → p/shout@^2\n',
    });
    expect(sent('POST', '/api/workflows/wf_1/upgrade')).toEqual([{ pluginId: 'p' }]);

    answers['POST /api/workflows/wf_1/upgrade'] = {
      error: {
        code: 'PLAT_WORKFLOW_INVALID',
        message: 'the workflow does not fit p 2.0.0',
        retryable: false,
        details: {
          issues: [{ nodeId: 'shout', message: 'input "text" is not an input of p/shout' }],
        },
      },
    };
    refusals.set('POST /api/workflows/wf_1/upgrade', 422);
    const refused = await cli([
      'workflows',
      'upgrade',
      'wf_1',
      '--plugin',
      'p',
      '--version',
      '2.0.0',
    ]);
    expect(refused.code).toBe(1);
    expect(refused.stdout).toBe('');
    expect(refused.stderr.split('\n').slice(0, 4)).toEqual([
      'error PLAT_WORKFLOW_INVALID: the workflow does not fit p 2.0.0',
      '  - node shout: input "text" is not an input of p/shout',
      '  nothing was saved: fix these in "shouting" for p 2.0.0, in the web UI\'s editor or in a copy of its graph,',
      '  then upgrade and fix in one step: plugboard workflows upgrade wf_1 --plugin p --version 2.0.0 --graph <fixed.json>',
    ]);
  });
});
