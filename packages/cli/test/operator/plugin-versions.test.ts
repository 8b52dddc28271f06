// `plugboard plugins update|versions|rollback` and `workflows upgrade` against the whole system as
// real processes (the platform and the Plugin Server it drives, each plugin version its own
// process): a plugin installed at 1.0.0 from an archive, updated to 2.0.0 beside it (staged,
// impact, current), rolled back, and a 1.1.0 that would break a workflow refused.
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { PluginRecordView, UpdateImpact, WorkflowUpgrade } from '@plugboard/platform-api';
import { startSystem, type RunningSystem } from '../../../../test/e2e/helpers/system.ts';
import { packVersionedPlugin } from '../../../../test/helpers/versioned-plugin.ts';
import { runCli, type CliResult } from './operator-env.ts';

const PLUGIN = 'cli-versions';
const TOKEN = 'e2e-user-token-0123456789';

const packVersion = (
  dir: string,
  version: string,
  options: { input: string; crashes?: boolean },
): Promise<string> =>
  packVersionedPlugin(dir, {
    id: PLUGIN,
    version,
    node: 'shout',
    input: options.input,
    crash: options.crashes === true ? 'at-start' : undefined,
  });

describe('plugboard plugins update, versions, rollback and workflows upgrade', () => {
  let dir: string;
  let system: RunningSystem;
  const archives: Record<string, string> = {};
  let workflowId = '';
  const cli = (args: readonly string[]): Promise<CliResult> =>
    runCli([...args, '--url', system.platformUrl, '--token', TOKEN], { cwd: dir });
  const parsed = <T>(result: CliResult): T => {
    expect(result.stderr).not.toContain('CLI_INTERNAL');
    return JSON.parse(result.stdout) as T;
  };
  const versionsOf = async () =>
    parsed<{ versions: PluginRecordView['versions'] }>(
      await cli(['plugins', 'versions', PLUGIN, '--json']),
    ).versions.map((v) => `${v.version} ${v.state}`);

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'plugboard-cli-versions-'));
    system = await startSystem({ dataDir: join(dir, 'system') });
    archives['1.0.0'] = await packVersion(dir, '1.0.0', { input: 'text' });
    archives['2.0.0'] = await packVersion(dir, '2.0.0', { input: 'words' });
    // A minor that breaks what 1.0.0 took: nodes pinned to ^1 would move to it and break.
    archives['1.1.0'] = await packVersion(dir, '1.1.0', { input: 'words' });
    archives['3.0.0'] = await packVersion(dir, '3.0.0', { input: 'words', crashes: true });
  }, 120_000);
  afterAll(async () => {
    // eslint-disable-next-line @typescript-eslint/no-unnecessary-condition -- unset when beforeAll failed
    await system?.stop();
    await rm(dir, { recursive: true, force: true });
  });

  it('installs 1.0.0 and saves a workflow on it (pinned to ^1)', async () => {
    const installed = await cli([
      'plugins',
      'install',
      '--file',
      archives['1.0.0'] ?? '',
      '--id',
      PLUGIN,
    ]);
    expect(installed.code, installed.stderr).toBe(0);
    await writeFile(
      join(dir, 'workflow.json'),
      JSON.stringify({
        name: 'shouting',
        graph: {
          nodes: [
            { id: 'in', type: 'core/input', config: { name: 'text', type: 'string' } },
            { id: 'shout', type: `${PLUGIN}/shout` },
            { id: 'out', type: 'core/output', config: { name: 'text' } },
          ],
          edges: [
            { from: { node: 'in', output: 'value' }, to: { node: 'shout', input: 'text' } },
            { from: { node: 'shout', output: 'text' }, to: { node: 'out', input: 'value' } },
          ],
        },
      }),
    );
    const created = await cli(['workflows', 'create', 'workflow.json', '--json']);
    expect(created.code, created.stderr).toBe(0);
    workflowId = parsed<{ id: string }>(created).id;
    expect(await versionsOf()).toEqual(['1.0.0 current']);
  });

  it('updates to 2.0.0: staged beside 1.0.0, the impact shown, then current', async () => {
    const result = await cli([
      'plugins',
      'update',
      PLUGIN,
      '--file',
      archives['2.0.0'] ?? '',
      '--json',
    ]);
    expect(result.code, result.stderr).toBe(0);
    const { impact, plugin } = parsed<{ impact: UpdateImpact; plugin: PluginRecordView }>(result);
    expect(impact).toMatchObject({ pluginId: PLUGIN, fromVersion: '1.0.0', toVersion: '2.0.0' });
    expect(impact.breaks).toBe(0);
    // The workflow's node is pinned to ^1: it stays on 1.0.0.
    expect(impact.workflows.flatMap((w) => w.nodes.map((n) => [w.id, n.nodeId, n.moves]))).toEqual([
      [workflowId, 'shout', false],
    ]);
    expect(plugin.status).toBe('running');
    expect(plugin.versions.map((v) => `${v.version} ${v.state}`)).toEqual([
      '2.0.0 current',
      '1.0.0 kept',
    ]);
    expect(result.stderr).toContain('2.0.0: staged');
  });

  it('lists the versions, as a table and as JSON', async () => {
    const table = await cli(['plugins', 'versions', PLUGIN]);
    expect(table.code, table.stderr).toBe(0);
    expect(table.stdout).toMatch(/^VERSION\s+STATE\s+RUNNING\s+INSTALLED\s+NODES\s+REASON\n/);
    expect(table.stdout).toMatch(/\n2\.0\.0\s+current\s+yes\s/);
    expect(table.stdout).toMatch(/\n1\.0\.0\s+kept\s/);
    expect(await versionsOf()).toEqual(['2.0.0 current', '1.0.0 kept']);
  });

  it('an update to the version that is current does nothing, and says so', async () => {
    const again = await cli(['plugins', 'update', PLUGIN, '--version', '2.0.0']);
    expect(again.code, again.stderr).toBe(0);
    expect(again.stdout.trim()).toBe(`${PLUGIN}: 2.0.0 is already current`);
    const asJson = await cli(['plugins', 'update', PLUGIN, '--version', '2.0.0', '--json']);
    expect(asJson.code, asJson.stderr).toBe(0);
    expect((JSON.parse(asJson.stdout) as { plugin: { version: string } }).plugin.version).toBe(
      '2.0.0',
    );
    expect(await versionsOf()).toEqual(['2.0.0 current', '1.0.0 kept']);
  });

  it('a workflow upgrade to 2.0.0 that does not fit says which node to fix, and saves nothing', async () => {
    const refused = await cli([
      'workflows',
      'upgrade',
      workflowId,
      '--plugin',
      PLUGIN,
      '--version',
      '2.0.0',
    ]);
    expect(refused.code).toBe(1);
    expect(refused.stdout).toBe('');
    expect(refused.stderr).toMatch(/ {2}- node shout: /);
    expect(refused.stderr).toContain('nothing was saved');
    const graph = {
      nodes: [
        { id: 'in', type: 'core/input', config: { name: 'text', type: 'string' } },
        { id: 'shout', type: `${PLUGIN}/shout@^1` },
        { id: 'out', type: 'core/output', config: { name: 'text' } },
      ],
      edges: [
        { from: { node: 'in', output: 'value' }, to: { node: 'shout', input: 'words' } },
        { from: { node: 'shout', output: 'text' }, to: { node: 'out', input: 'value' } },
      ],
    };
    await writeFile(join(dir, 'fixed.json'), JSON.stringify(graph));
    const fixed = await cli([
      'workflows',
      'upgrade',
      workflowId,
      '--plugin',
      PLUGIN,
      '--version',
      '2.0.0',
      '--graph',
      'fixed.json',
      '--json',
    ]);
    expect(fixed.code, fixed.stderr).toBe(0);
    const answer = parsed<WorkflowUpgrade>(fixed);
    expect(answer.upgraded).toEqual([
      { nodeId: 'shout', from: `${PLUGIN}/shout@^1`, to: `${PLUGIN}/shout@^2` },
    ]);
  });

  it('rolls back to 1.0.0: 2.0.0 is rolled back', async () => {
    const result = await cli(['plugins', 'rollback', PLUGIN, '--json']);
    expect(result.code, result.stderr).toBe(0);
    const plugin = parsed<PluginRecordView>(result);
    expect(plugin.status).toBe('running');
    expect(plugin.versions.map((v) => `${v.version} ${v.state}`)).toEqual([
      '2.0.0 rolled_back',
      '1.0.0 current',
    ]);
  });

  it('refuses to make a 1.1.0 current that breaks a workflow node, unless --yes; it stays staged', async () => {
    // A workflow saved on 1.0.0 is pinned to ^1, so 1.1.0 would move it and break it.
    await writeFile(
      join(dir, 'again.json'),
      (await readFile(join(dir, 'workflow.json'), 'utf8')).replace(
        '"shouting"',
        '"shouting again"',
      ),
    );
    const again = await cli(['workflows', 'create', 'again.json', '--json']);
    expect(again.code, again.stderr).toBe(0);
    const againId = parsed<{ id: string }>(again).id;
    const refused = await cli([
      'plugins',
      'update',
      PLUGIN,
      '--file',
      archives['1.1.0'] ?? '',
      '--json',
    ]);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain(
      `error CLI_UPDATE_BREAKS: 1 workflow node would break on ${PLUGIN} 1.1.0: fix them or rerun with --yes; the new version stays installed as staged`,
    );
    const { impact, plugin } = parsed<{ impact: UpdateImpact; plugin: PluginRecordView }>(refused);
    expect(impact.breaks).toBe(1);
    expect(impact.workflows.map((w) => w.id)).toEqual([againId]);
    expect(impact.workflows[0]?.nodes[0]).toMatchObject({ nodeId: 'shout', moves: true });
    expect(plugin.versions.find((v) => v.version === '1.1.0')?.state).toBe('staged');
    expect(await versionsOf()).toContain('1.0.0 current');

    const human = await cli(['plugins', 'update', PLUGIN, '--version', '1.1.0']);
    expect(human.code).toBe(1);
    expect(human.stdout).toContain(`${PLUGIN} 1.0.0 → 1.1.0`);
    expect(human.stdout).toContain('shout (');
    expect(human.stdout).toContain('moves to 1.1.0 and breaks');

    const forced = await cli(['plugins', 'update', PLUGIN, '--version', '1.1.0', '--yes']);
    expect(forced.code, forced.stderr).toBe(0);
    expect(forced.stdout).toContain(`${PLUGIN} 1.1.0: running`);
    expect(await versionsOf()).toContain('1.1.0 current');
  });

  it('a new version that fails to start is rolled back by the Plugin Server: the update fails with why', async () => {
    const result = await cli(['plugins', 'update', PLUGIN, '--file', archives['3.0.0'] ?? '']);
    expect(result.code).toBe(1);
    expect(result.stdout).toContain(`${PLUGIN} 1.1.0 → 3.0.0`);
    expect(result.stderr).toMatch(
      /error CLI_PLUGIN_FAILED: 3\.0\.0 was rolled back: failed to start: .+; 1\.1\.0 is current\n/,
    );
    expect(result.stderr).toContain(`plugboard plugins logs ${PLUGIN}`);
    expect(await versionsOf()).toEqual(
      expect.arrayContaining(['3.0.0 rolled_back', '1.1.0 current']),
    );
  });
});
