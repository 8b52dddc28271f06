// The web UI in a real browser (Debian's Chromium through playwright-core) against a real
// `npm start`: sign in, install plugins by upload (drag and drop) and from the marketplace, fill
// the form of a plugin waiting for configuration, see why a plugin failed to start, then build a
// workflow in the editor, run it and read its output. Each page is saved as a screenshot under
// test/ui/screenshots/ (git-ignored).
import { mkdir, mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  launchChromium,
  pack,
  ROOT,
  startSystem,
  stopSystem,
  type System,
} from './helpers/system.ts';

const SHOTS = join(ROOT, 'test/ui/screenshots');
/** Installs, first starts and runs are real: give them time, but fail long before the test does. */
const SETTLE_MS = 45_000;

describe('the web UI', () => {
  let dataDir: string;
  let system: System | undefined;
  let browser: Browser | undefined;
  let page: Page;
  const archives = {
    textTools: '',
    needsConfig: '',
    broken: '',
    credentials: '',
    asksNetwork: '',
  };

  const shot = async (name: string) => {
    await page.screenshot({ path: join(SHOTS, `${name}.png`), fullPage: true });
  };

  beforeAll(async () => {
    dataDir = await mkdtemp(join(tmpdir(), 'plugboard-ui-'));
    await mkdir(SHOTS, { recursive: true });
    archives.textTools = join(dataDir, 'text-tools-1.0.0.tar.gz');
    archives.needsConfig = join(dataDir, 'ui-needs-config.tar.gz');
    archives.broken = join(dataDir, 'ui-broken.tar.gz');
    archives.credentials = join(dataDir, 'e2e-text.tar.gz');
    archives.asksNetwork = join(dataDir, 'ui-asks-network.tar.gz');
    const [started, launched] = await Promise.all([
      startSystem(join(dataDir, 'data')),
      launchChromium(),
      pack('plugins/text-tools', archives.textTools),
      pack('test/ui/fixtures/ui-needs-config', archives.needsConfig),
      pack('test/ui/fixtures/ui-broken', archives.broken),
      pack('test/e2e/fixtures/e2e-text', archives.credentials),
      pack('test/ui/fixtures/ui-asks-network', archives.asksNetwork),
    ]);
    system = started;
    browser = launched;
    const context = await browser.newContext({ viewport: { width: 1440, height: 900 } });
    page = await context.newPage();
    page.setDefaultTimeout(15_000);
  }, 180_000);

  afterAll(async () => {
    await browser?.close();
    if (system !== undefined) {
      await stopSystem(system);
    }
    await rm(dataDir, { recursive: true, force: true });
  }, 90_000);

  it('asks for the admin token, refuses a wrong one, and signs in', async () => {
    await page.goto(`${system!.url}/`);
    await expect.poll(() => page.getByRole('heading', { name: 'Plugboard' }).count()).toBe(1);
    await shot('01-login');
    await page.getByLabel('Admin token').fill('pbt_not-the-token');
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByText('The platform refused this token').waitFor();
    await page.getByLabel('Admin token').fill(system!.token);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('heading', { name: 'Plugins' }).waitFor();
    await page.getByText('No plugins installed yet').waitFor();
    await shot('02-plugins-empty');
  });

  it("uploads an official plugin's .tar.gz by drag and drop and watches it reach running", async () => {
    await page.getByRole('button', { name: 'Install plugin' }).click();
    await page.getByRole('tab', { name: 'Upload .tar.gz' }).waitFor();
    const bytes = (await readFile(archives.textTools)).toString('base64');
    // A DataTransfer holding the file, made in the page (this runs in the browser, as a string
    // since the tests are type-checked without DOM types).
    const transfer = await page.evaluateHandle(
      `(() => {
        const data = Uint8Array.from(atob('${bytes}'), (c) => c.charCodeAt(0));
        const dt = new DataTransfer();
        dt.items.add(new File([data], 'text-tools-1.0.0.tar.gz', { type: 'application/gzip' }));
        return dt;
      })()`,
    );
    await page.getByTestId('dropzone').dispatchEvent('drop', { dataTransfer: transfer });
    // The id comes from the manifest inside the archive.
    await expect.poll(() => page.getByLabel('Plugin id').inputValue()).toBe('text-tools');
    await shot('03-install-upload');
    await page.getByRole('button', { name: 'Upload and install' }).click();
    await page.getByRole('heading', { name: 'Text tools' }).waitFor({ timeout: SETTLE_MS });
    await page.locator('.status-line [data-status="running"]').waitFor({ timeout: SETTLE_MS });
    await page.getByText('text-tools/change-case').waitFor();
    await shot('04-plugin-running');
  }, 90_000);

  it('installs a plugin from the marketplace', async () => {
    await page.getByRole('link', { name: 'Plugins' }).click();
    await page.getByRole('button', { name: 'Install plugin' }).click();
    await page.getByRole('tab', { name: 'Marketplace' }).click();
    // What a plugin asks the operator to grant shows before it is installed.
    await page.getByLabel('Search the marketplace').fill('http');
    const http = page.locator('[data-marketplace="http-request"]');
    await http.waitFor();
    expect(await http.getByTestId('marketplace-asks').textContent()).toContain(
      'Asks for: network (any public host)',
    );
    await page.getByLabel('Search the marketplace').fill('jsonata');
    const item = page.locator('[data-marketplace="json-query"]');
    await item.waitFor();
    await expect.poll(() => page.locator('[data-marketplace]').count()).toBe(1);
    await shot('05-install-marketplace');
    await item.getByRole('button', { name: /^Install/ }).click();
    await page.locator('.status-line [data-status="running"]').waitFor({ timeout: SETTLE_MS });
    await page.getByRole('link', { name: 'Plugins' }).click();
    const row = page.locator('tr[data-plugin="json-query"]');
    await row.locator('[data-status="running"]').waitFor();
    expect(await row.textContent()).toContain('marketplace: json-query');
    await shot('06-plugins-list');
  }, 90_000);

  it('fills the configuration form of a plugin that needs it, and it runs', async () => {
    await page.getByRole('button', { name: 'Install plugin' }).click();
    await page.getByLabel('Plugin archive (.tar.gz)').setInputFiles(archives.needsConfig);
    await expect.poll(() => page.getByLabel('Plugin id').inputValue()).toBe('ui-needs-config');
    await page.getByRole('button', { name: 'Upload and install' }).click();
    await page
      .locator('.status-line [data-status="missing_config"]')
      .waitFor({ timeout: SETTLE_MS });
    const panel = page.locator('section.panel-attention');
    await panel.getByRole('heading', { name: 'Configuration needed' }).waitFor();
    // The schema comes from the archive (the record has no manifest before it runs): the field
    // with its description, the plugin's complaint next to it, the secret as a password field.
    const greeting = panel.getByLabel('greeting');
    await greeting.waitFor();
    expect(await greeting.getAttribute('aria-invalid')).toBe('true');
    await panel.getByText('expected string, received undefined').waitFor();
    expect(await panel.getByLabel('apiKey').getAttribute('type')).toBe('password');
    await shot('07-plugin-missing-config');
    await greeting.fill('Howdy');
    await panel.getByLabel('apiKey').fill('s3cret-value');
    await panel.getByRole('button', { name: 'Save configuration' }).click();
    await page.locator('.status-line [data-status="running"]').waitFor({ timeout: SETTLE_MS });
    // Running now: the platform knows the schema; the secret is never shown back.
    const form = page.getByRole('form', { name: 'Plugin configuration' });
    expect(await form.getByLabel('apiKey').inputValue()).toBe('');
    expect(await form.getByLabel('apiKey').getAttribute('placeholder')).toContain('stored');
    expect(await page.content()).not.toContain('s3cret-value');
    await shot('08-plugin-configured');
  }, 90_000);

  it('shows why a plugin failed to start, with its log', async () => {
    await page.getByRole('link', { name: 'Plugins' }).click();
    await page.getByRole('button', { name: 'Install plugin' }).click();
    await page.getByLabel('Plugin archive (.tar.gz)').setInputFiles(archives.broken);
    await expect.poll(() => page.getByLabel('Plugin id').inputValue()).toBe('ui-broken');
    await page.getByRole('button', { name: 'Upload and install' }).click();
    await page.locator('.status-line [data-status="error"]').waitFor({ timeout: SETTLE_MS });
    const failure = page.locator('section.panel-error');
    await failure.getByRole('alert').getByText('exited with code 1').waitFor();
    await failure
      .getByLabel('Last log lines of the failure')
      .getByText('the licence file /nonexistent/licence.key is missing')
      .waitFor();
    await page.getByLabel('Plugin log').getByText('opening the licence file').waitFor();
    await shot('09-plugin-error');
    await page.getByRole('link', { name: 'Plugins' }).click();
    const row = page.locator('tr[data-plugin="ui-broken"]');
    await row.locator('[data-status="error"]').waitFor();
    expect(await row.textContent()).toContain('did not start');
  }, 90_000);

  it('holds a plugin that asks for the network until the operator grants it, then it runs', async () => {
    await page.getByRole('link', { name: 'Plugins' }).click();
    await page.getByRole('button', { name: 'Install plugin' }).click();
    await page.getByLabel('Plugin archive (.tar.gz)').setInputFiles(archives.asksNetwork);
    await expect.poll(() => page.getByLabel('Plugin id').inputValue()).toBe('ui-asks-network');
    await page.getByRole('button', { name: 'Upload and install' }).click();
    await page.locator('.status-line [data-status="error"]').waitFor({ timeout: SETTLE_MS });
    await page
      .locator('section.panel-error')
      .getByText('it installs once granted', { exact: false })
      .waitFor();
    const form = page.getByRole('form', { name: 'Grant' });
    await form.getByLabel('Only these hosts').check();
    await form.getByLabel('Hosts it may reach').fill('api.example.com');
    await shot('09b-plugin-grant');
    await form.getByRole('button', { name: 'Save grant' }).click();
    await page.locator('.status-line [data-status="running"]').waitFor({ timeout: SETTLE_MS });
    await expect
      .poll(() => page.getByTestId('plugin-granted').textContent())
      .toBe('network (api.example.com)');
    expect(await page.getByTestId('plugin-asks').textContent()).toBe('network (api.example.com)');
  }, 90_000);

  it("adds credentials only once the integration's ready check accepts them, and tests them", async () => {
    await page.getByRole('link', { name: 'Plugins' }).click();
    await page.getByRole('button', { name: 'Install plugin' }).click();
    await page.getByLabel('Plugin archive (.tar.gz)').setInputFiles(archives.credentials);
    await expect.poll(() => page.getByLabel('Plugin id').inputValue()).toBe('e2e-text');
    await page.getByRole('button', { name: 'Upload and install' }).click();
    await page.locator('.status-line [data-status="running"]').waitFor({ timeout: SETTLE_MS });
    await page.getByRole('link', { name: 'Credentials' }).click();
    await page.getByRole('heading', { name: 'Shout API' }).waitFor();
    await page.getByRole('button', { name: 'Add credentials' }).click();
    const form = page.getByRole('form', { name: 'New Shout API credentials' });
    await form.getByLabel('Name').fill('main');
    expect(await form.getByLabel('token').getAttribute('type')).toBe('password');
    await form.getByLabel('token').fill('wrong-token');
    await form.getByRole('button', { name: 'Check and save' }).click();
    await form.getByRole('alert').getByText('unknown token').waitFor();
    await form.getByLabel('token').fill('let-me-shout');
    await form.getByRole('button', { name: 'Check and save' }).click();
    const stored = page.locator('section [data-credential="main"]');
    await stored.waitFor();
    await stored.getByRole('button', { name: 'Test main' }).click();
    await stored.getByText('✓ ready').waitFor();
    expect(await page.content()).not.toContain('let-me-shout');
    await shot('12-credentials');
  }, 90_000);

  it('builds a workflow in the editor, runs it and reads the output', async () => {
    await page.getByRole('link', { name: 'Workflows' }).click();
    await page.getByText('No workflows yet').waitFor();
    await page.getByRole('button', { name: 'New workflow' }).click();
    await page.getByLabel('Workflow name').fill('loud greeting');
    for (const type of [
      'core/input',
      'text-tools/change-case',
      'json-query/query',
      'core/output',
    ]) {
      await page.getByRole('button', { name: new RegExp(`^Add .*\\(${type}\\)$`) }).click();
    }
    // Nothing connected yet: the platform's problems show on the graph.
    await page.locator('.graph-node-invalid[data-node-id="change-case"]').waitFor();

    await page.locator('[data-node-id="change-case"]').click({ position: { x: 60, y: 10 } });
    await page.getByRole('combobox', { name: 'to', exact: true }).selectOption({ label: 'upper' });
    await page.locator('[data-node-id="query"]').click({ position: { x: 60, y: 10 } });
    await page.getByRole('textbox', { name: 'expression' }).fill('"Hello, " & $ & "!"');

    // Connect by choosing ports (mouse), by dragging, and with the keyboard.
    await page.getByRole('button', { name: 'Output value of input' }).click();
    await page.getByRole('button', { name: 'Input text of change-case (required)' }).click();
    await page
      .getByRole('button', { name: 'Output text of change-case' })
      .dragTo(page.getByRole('button', { name: /^Input data of query/ }));
    await page.getByRole('button', { name: 'Output result of query' }).focus();
    await page.keyboard.press('Enter');
    await page.getByRole('button', { name: /^Input value of output/ }).focus();
    await page.keyboard.press('Enter');

    await page.getByText('✓ valid').waitFor();
    expect(await page.locator('.graph-node-invalid').count()).toBe(0);
    expect(await page.locator('g.edge').count()).toBe(3);
    await shot('10-workflow-editor');
    await page.getByRole('button', { name: 'Save' }).click();
    await page.getByText('unsaved changes').waitFor({ state: 'detached' });

    await page.getByRole('button', { name: 'Run…' }).click();
    await page.getByLabel(/^input/).fill('ada');
    await page.getByRole('button', { name: 'Start run' }).click();
    await page.locator('[data-run-status="succeeded"]').waitFor({ timeout: SETTLE_MS });
    const output = page.locator('[data-output="output"] dd');
    expect(await output.textContent()).toBe('Hello, ADA!');
    expect(await page.locator('tr[data-node-run="change-case"] [data-status]').textContent()).toBe(
      'succeeded',
    );
    await shot('11-run-succeeded');
  }, 120_000);

  it('lists workflows, runs and credentials', async () => {
    await page.getByRole('link', { name: 'Workflows' }).click();
    await page.getByRole('link', { name: 'loud greeting' }).waitFor();
    await shot('13-workflows');
    await page.getByRole('link', { name: 'Runs' }).first().click();
    await page.locator('table [data-status="succeeded"]').first().waitFor();
    await shot('14-runs');
    await page.getByRole('link', { name: 'Credentials' }).click();
    await page.locator('[data-credential="main"]').first().waitFor();
    await shot('15-credentials-list');
  });
});
