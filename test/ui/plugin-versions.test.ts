// Plugin versions in the web UI, against a real `npm start` in Chromium: a plugin at 1.0.0 and two
// workflows saved against it through the API, one pinned to ^1 and one taking any version from 1
// up; the update to 2.0.0 (whose node renames an input) is staged from the plugin page, and its
// impact shows both workflows before anything moves; made current, the Versions table shows 2.0.0
// current and 1.0.0 kept; the editor offers to upgrade the pinned workflow, says why it cannot,
// and upgrades it once fixed; Roll back makes 1.0.0 current again.
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { testApi, type TestApi } from './helpers/api.ts';
import {
  launchChromium,
  pack,
  ROOT,
  startSystem,
  stopSystem,
  type System,
} from './helpers/system.ts';

const SHOTS = join(ROOT, 'test/ui/screenshots');
const SETTLE_MS = 45_000;
const PLUGIN = 'ui-versions';

/** input → shout (ui-versions, its input "text", as 1.0.0 names it) → output. */
function shoutGraph(shoutType: string) {
  return {
    nodes: [
      { id: 'words', type: 'core/input', config: { name: 'words', type: 'string' } },
      { id: 'shout', type: shoutType, config: {} },
      { id: 'loud', type: 'core/output', config: { name: 'loud' } },
    ],
    edges: [
      { from: { node: 'words', output: 'value' }, to: { node: 'shout', input: 'text' } },
      { from: { node: 'shout', output: 'text' }, to: { node: 'loud', input: 'value' } },
    ],
  };
}

/** Probes until it answers a value (setup runs outside a test, where expect.poll cannot). */
async function until<T>(what: string, probe: () => Promise<T | undefined>): Promise<T> {
  const deadline = Date.now() + SETTLE_MS;
  while (Date.now() < deadline) {
    const value = await probe();
    if (value !== undefined) {
      return value;
    }
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
  throw new Error(`timed out waiting for ${what}`);
}

describe('plugin versions in the web UI', () => {
  let dataDir: string;
  let system: System | undefined;
  let browser: Browser | undefined;
  let api: TestApi;
  let page: Page;
  const archives = { v1: '', v2: '' };
  const workflows = { pinned: '', loose: '' };

  const shot = async (name: string) => {
    await page.screenshot({ path: join(SHOTS, `${name}.png`), fullPage: true });
  };
  const versionRow = (version: string) => page.locator(`tr[data-version="${version}"]`);
  const stateOf = (version: string) => versionRow(version).getAttribute('data-state');

  beforeAll(async () => {
    dataDir = await mkdtemp(join(tmpdir(), 'plugboard-ui-versions-'));
    await mkdir(SHOTS, { recursive: true });
    archives.v1 = join(dataDir, `${PLUGIN}-1.0.0.tar.gz`);
    archives.v2 = join(dataDir, `${PLUGIN}-2.0.0.tar.gz`);
    const [started, launched] = await Promise.all([
      startSystem(join(dataDir, 'data')),
      launchChromium(),
      pack('test/ui/fixtures/ui-versions-v1', archives.v1),
      pack('test/ui/fixtures/ui-versions-v2', archives.v2),
    ]);
    system = started;
    browser = launched;
    api = testApi(system);

    // Version 1 installed and running, and two workflows saved against it.
    const fileId = await api.upload(archives.v1);
    await api.client.call('installPlugin', {
      body: { id: PLUGIN, source: { type: 'upload', fileId } },
    });
    await until('version 1 running', async () => {
      const record = await api.client.call('getPlugin', { params: { id: PLUGIN } });
      return record.status === 'running' ? record : undefined;
    });
    const pinned = await api.client.call('createWorkflow', {
      body: { name: 'pinned shout', graph: shoutGraph(`${PLUGIN}/shout@^1`) },
    });
    const loose = await api.client.call('createWorkflow', {
      body: { name: 'loose shout', graph: shoutGraph(`${PLUGIN}/shout@>=1`) },
    });
    workflows.pinned = pinned.id;
    workflows.loose = loose.id;

    const context = await browser.newContext({ viewport: { width: 1440, height: 900 } });
    page = await context.newPage();
    page.setDefaultTimeout(15_000);
    await page.goto(`${system.url}/`);
    await page.getByLabel('Admin token').fill(system.token);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('heading', { name: 'Plugins' }).waitFor();
  }, 180_000);

  afterAll(async () => {
    await browser?.close();
    if (system !== undefined) {
      await stopSystem(system);
    }
    await rm(dataDir, { recursive: true, force: true });
  }, 90_000);

  it('shows the installed versions on the plugin page', async () => {
    await page.goto(`${system!.url}/plugins/${PLUGIN}`);
    await page.getByRole('heading', { name: 'Versions', exact: true }).waitFor();
    await expect.poll(() => stateOf('1.0.0')).toBe('current');
    expect(await page.locator('tr[data-version]').count()).toBe(1);
    // Nothing below the current version: nothing to roll back to.
    expect(await page.getByRole('button', { name: /^Roll back/ }).isDisabled()).toBe(true);
  });

  it('stages the update and shows the workflows it reaches before anything moves', async () => {
    await page.getByRole('button', { name: 'Update…' }).click();
    await page.getByLabel('New archive (.tar.gz)').setInputFiles(archives.v2);
    await page.getByRole('button', { name: 'Install beside the current version' }).click();

    const impact = page.getByTestId('update-impact');
    await impact.waitFor({ timeout: SETTLE_MS });
    await shot('v01-update-impact');
    // Staged beside 1.0.0: still current, nothing moved.
    await expect.poll(() => stateOf('2.0.0')).toBe('staged');
    expect(await stateOf('1.0.0')).toBe('current');

    // Both workflows, linked; the pinned one stays on 1.0.0, the loose one moves and breaks.
    const pinned = impact.locator(`[data-impact-workflow="${workflows.pinned}"]`);
    const loose = impact.locator(`[data-impact-workflow="${workflows.loose}"]`);
    expect(await pinned.getByRole('link', { name: 'pinned shout' }).getAttribute('href')).toBe(
      `/workflows/${workflows.pinned}`,
    );
    await loose.getByRole('link', { name: 'loose shout' }).waitFor();
    expect(await pinned.locator('[data-impact-node="shout"] [data-moves]').textContent()).toBe(
      'stays on 1.0.0 (pinned)',
    );
    expect(await loose.locator('[data-impact-node="shout"] [data-moves]').textContent()).toBe(
      'moves to 2.0.0',
    );
    // What changed, and what in the workflow it reaches: the input "text" it is wired into.
    expect(await loose.locator('[data-impact-node="shout"]').textContent()).toContain('text');
    expect(await impact.getByTestId('impact-breaks').textContent()).toContain(
      'Making 2.0.0 current breaks 1 node',
    );
  }, 90_000);

  it('makes the staged version current: 2.0.0 current, 1.0.0 kept', async () => {
    await page.getByRole('dialog').getByRole('button', { name: 'Make 2.0.0 current' }).click();
    await page.getByTestId('update-impact').waitFor({ state: 'detached' });
    await expect.poll(() => stateOf('2.0.0'), { timeout: SETTLE_MS }).toBe('current');
    await expect.poll(() => stateOf('1.0.0')).toBe('kept');
    await page.locator('.status-line [data-status="running"]').waitFor({ timeout: SETTLE_MS });
    await page.getByText(`${PLUGIN} · v2.0.0`).waitFor();
    await shot('v02-versions-after-update');
  }, 90_000);

  it('offers to upgrade the pinned workflow, says what stops it, and upgrades it once fixed', async () => {
    await page.goto(`${system!.url}/workflows/${workflows.pinned}`);
    // The node shows its range, and that it stays on an older version than the current one.
    await page.locator('[data-node-id="shout"] .graph-node-pin-behind[data-pin="^1"]').waitFor();
    const notice = page.locator(`[data-upgrade="${PLUGIN}"]`);
    await notice.waitFor();
    await notice.getByRole('button', { name: 'Upgrade to 2.0.0' }).click();
    // 2.0.0's shout has no input "text": the platform refuses, naming the node.
    const issues = notice.getByRole('list', { name: `What to fix for ${PLUGIN} 2.0.0` });
    await issues.waitFor();
    expect(await issues.textContent()).toContain('shout');
    await shot('v03-upgrade-refused');
    const refused = await api.client.call('getWorkflow', { params: { id: workflows.pinned } });
    expect(refused.graph.nodes.find((n) => n.id === 'shout')?.type).toBe(`${PLUGIN}/shout@^1`);

    // Fixed in the editor (wired into 2.0.0's "words"), the upgrade goes through with the fix.
    await page.getByRole('button', { name: 'Remove connection words.value → shout.text' }).click();
    await page.getByRole('button', { name: 'Output value of words' }).click();
    await page.getByRole('button', { name: 'Input words of shout (required)' }).click();
    await notice.getByRole('button', { name: 'Upgrade to 2.0.0' }).click();
    await notice.waitFor({ state: 'detached' });
    await page.locator('[data-node-id="shout"] .graph-node-pin[data-pin="^2"]').waitFor();
    await page.getByText('unsaved changes').waitFor({ state: 'detached' });
    await shot('v04-upgraded');
    const upgraded = await api.client.call('getWorkflow', { params: { id: workflows.pinned } });
    expect(upgraded.graph.nodes.find((n) => n.id === 'shout')?.type).toBe(`${PLUGIN}/shout@^2`);
    expect(upgraded.graph.edges.map((e) => `${e.to.node}.${e.to.input}`)).toContain('shout.words');
  }, 60_000);

  it('rolls back to the kept version', async () => {
    await page.goto(`${system!.url}/plugins/${PLUGIN}`);
    await expect.poll(() => stateOf('2.0.0')).toBe('current');
    await page.getByRole('button', { name: 'Roll back to 1.0.0' }).click();
    await page.getByRole('dialog').getByRole('button', { name: 'Roll back to 1.0.0' }).click();
    await expect.poll(() => stateOf('1.0.0'), { timeout: SETTLE_MS }).toBe('current');
    await expect.poll(() => stateOf('2.0.0')).toBe('rolled_back');
    await page.getByText(`${PLUGIN} · v1.0.0`).waitFor({ timeout: SETTLE_MS });
    await shot('v05-rolled-back');
    const record = await api.client.call('getPlugin', { params: { id: PLUGIN } });
    expect(record.version).toBe('1.0.0');

    // "Make current" on the rolled-back version shows its impact first; Cancel moves nothing.
    await page.getByRole('button', { name: 'Make 2.0.0 current' }).click();
    const dialog = page.getByRole('dialog', { name: 'Make 2.0.0 current' });
    await dialog.getByTestId('update-impact').waitFor();
    expect(await dialog.getByTestId('update-impact').textContent()).toContain(
      'From 1.0.0 to 2.0.0',
    );
    await dialog.getByRole('button', { name: 'Cancel' }).click();
    await dialog.waitFor({ state: 'detached' });
    expect(await stateOf('2.0.0')).toBe('rolled_back');
  }, 90_000);
});
