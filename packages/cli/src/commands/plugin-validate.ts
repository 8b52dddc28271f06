/**
 * @module `plugboard plugin validate`: loads the plugin, builds its manifest and checks that its
 * package.json agrees, reporting every problem with its fix.
 */
import { buildManifest, loadPlugin, type LoadedPlugin } from '@plugboard/sdk/runtime';
import type { Manifest } from '@plugboard/protocol';
import { CliError } from '../cli-error.ts';

export interface ValidatedPlugin {
  readonly loaded: LoadedPlugin;
  readonly manifest: Manifest;
}

export async function validatePlugin(dir: string): Promise<ValidatedPlugin> {
  let loaded: LoadedPlugin;
  let manifest: Manifest;
  try {
    loaded = await loadPlugin(dir);
    manifest = buildManifest(loaded.plugin);
  } catch (error) {
    throw new CliError(
      'CLI_PLUGIN_INVALID',
      error instanceof Error ? error.message : String(error),
    );
  }
  const problems: string[] = [];
  const { version } = loaded.packageJson;
  if (version !== manifest.version) {
    problems.push(
      `package.json has version ${JSON.stringify(version)} but definePlugin says ${JSON.stringify(manifest.version)}; make them equal`,
    );
  }
  if (problems.length > 0) {
    throw new CliError('CLI_PLUGIN_INVALID', `${manifest.id}: ${problems.join('; ')}`);
  }
  return { loaded, manifest };
}

export function describeManifest(manifest: Manifest): string {
  const names = (items: readonly { name: string }[]): string =>
    items.length === 0 ? '' : ` (${items.map((i) => i.name).join(', ')})`;
  const count = (n: number, word: string): string => `${String(n)} ${word}${n === 1 ? '' : 's'}`;
  return [
    `✓ ${manifest.id}@${manifest.version} is valid`,
    `  ${count(manifest.nodes.length, 'node')}${names(manifest.nodes)}`,
    `  ${count(manifest.integrations.length, 'integration')}${names(manifest.integrations)}`,
    `  protocol ${String(manifest.protocolVersion)}, sdk ${manifest.sdkVersion}, ${manifest.contentHash}`,
  ].join('\n');
}
