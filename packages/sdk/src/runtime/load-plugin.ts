/**
 * @module Finds and imports a plugin: the `plugboard.entry` its package.json declares (TS or JS).
 */
import { readFile, stat } from 'node:fs/promises';
import { isAbsolute, join, relative, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { isPlugin, type Plugin } from '../define-plugin.ts';
import { RuntimeError } from './runtime-error.ts';
import { resolveSdkToThisCopy } from './sdk-resolution.ts';

export interface LoadedPlugin {
  readonly plugin: Plugin;
  readonly dir: string;
  readonly entryPath: string;
  readonly packageJson: {
    readonly name?: unknown;
    readonly version?: unknown;
    readonly plugboard?: unknown;
  };
}

const ENTRY_HINT =
  'add "plugboard": { "entry": "src/index.ts" } to package.json, naming the file that does `export default definePlugin({...})`';

export async function loadPlugin(folder: string): Promise<LoadedPlugin> {
  const dir = resolve(folder);
  const packageJsonPath = join(dir, 'package.json');
  let packageJson: LoadedPlugin['packageJson'];
  try {
    packageJson = JSON.parse(
      await readFile(packageJsonPath, 'utf8'),
    ) as LoadedPlugin['packageJson'];
  } catch (error) {
    const reason =
      (error as NodeJS.ErrnoException).code === 'ENOENT'
        ? 'it does not exist'
        : (error as Error).message;
    throw new RuntimeError(
      'SDK_PLUGIN_LOAD_FAILED',
      `cannot read ${packageJsonPath}: ${reason}; point the command at a plugin folder (create one with \`plugboard plugin init <name>\`)`,
    );
  }
  const entry = (packageJson.plugboard as { entry?: unknown } | undefined)?.entry;
  if (typeof entry !== 'string' || entry.length === 0) {
    throw new RuntimeError(
      'SDK_PLUGIN_LOAD_FAILED',
      `${packageJsonPath} declares no plugin entry; ${ENTRY_HINT}`,
    );
  }
  const entryPath = resolve(dir, entry);
  const inside = relative(dir, entryPath);
  if (inside.startsWith('..') || isAbsolute(inside)) {
    throw new RuntimeError(
      'SDK_PLUGIN_LOAD_FAILED',
      `the plugin entry ${JSON.stringify(entry)} points outside ${dir}; keep it inside the plugin folder`,
    );
  }
  if (
    !(await stat(entryPath).then(
      (s) => s.isFile(),
      () => false,
    ))
  ) {
    throw new RuntimeError(
      'SDK_PLUGIN_LOAD_FAILED',
      `the plugin entry ${JSON.stringify(entry)} does not exist in ${dir}; ${ENTRY_HINT}`,
    );
  }
  resolveSdkToThisCopy();
  let module: { default?: unknown; plugin?: unknown };
  try {
    module = (await import(pathToFileURL(entryPath).href)) as typeof module;
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    throw new RuntimeError('SDK_PLUGIN_LOAD_FAILED', `importing ${entry} failed: ${message}`, {
      cause: error,
    });
  }
  const plugin = module.default ?? module.plugin;
  if (!isPlugin(plugin)) {
    throw new RuntimeError(
      'SDK_PLUGIN_LOAD_FAILED',
      `${entry} must \`export default definePlugin({...})\` (found ${describeExport(plugin)})`,
    );
  }
  return { plugin, dir, entryPath, packageJson };
}

function describeExport(value: unknown): string {
  if (value === undefined) {
    return 'no default export';
  }
  return value === null ? 'null' : `a ${typeof value}`;
}
