// A plugin process loads zod's locales when a plugin asks for one, not at start: `z.locales` keeps
// every name zod has, and each still switches zod's messages.
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { z } from 'zod';
import { startPluginProcess, type PluginProcess } from '../helpers/plugin-process.ts';

const FIXTURE = fileURLToPath(new URL('../fixtures/zod-locales', import.meta.url));

let plugin: PluginProcess;

beforeAll(async () => {
  // Node's debug output of its module loaders names every module they load.
  plugin = await startPluginProcess({ dir: FIXTURE, env: { NODE_DEBUG: 'esm,module' } });
});
afterAll(async () => {
  await plugin.stop();
});

async function messageIn(locale: string): Promise<{ message: string; locales: string[] }> {
  const response = await plugin.call('/nodes/locale-message/execute', { inputs: { locale } });
  expect(response.status).toBe(200);
  return ((await response.json()) as { outputs: { message: string; locales: string[] } }).outputs;
}

function zodMessage(locale: string): string | undefined {
  const locales = z.locales as unknown as Record<string, () => Partial<z.core.$ZodConfig>>;
  z.config(locales[locale]?.() ?? {});
  const message = z.string().safeParse(1).error?.issues[0]?.message;
  z.config(z.locales.en());
  return message;
}

it('loads a locale only once the plugin asks for it', async () => {
  expect(plugin.stderr()).not.toContain('zod/v4/locales/fr.js');
  expect((await messageIn('fr')).message).toBe(zodMessage('fr'));
  // Its stderr may reach this process after its answer.
  await expect
    .poll(() => plugin.stderr().includes('zod/v4/locales/fr.js'), { timeout: 5_000 })
    .toBe(true);
});

it('has every locale zod has, by the same names', async () => {
  expect((await messageIn('en')).locales).toEqual(Object.keys(z.locales));
});

it.each(['de', 'ja', 'zhCN'])('switches messages to %s as zod does', async (locale) => {
  const { message } = await messageIn(locale);
  expect(message).toBe(zodMessage(locale));
  expect(message).not.toBe(zodMessage('en'));
});
