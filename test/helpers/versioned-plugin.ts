// One plugin at several versions, for the version tests: a folder written from a template (one
// node taking its text as `input`, answering it and the version that ran it), packed with
// `plugboard plugin pack`. A version told to crash does so only when a Plugin Server launches it
// (packing imports it too): at start, or soon after it serves.
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { plugboardOk } from './plugboard-cli.ts';

export interface VersionedPlugin {
  readonly id: string;
  readonly version: string;
  readonly node: string;
  readonly input: string;
  readonly crash?: 'at-start' | 'soon' | undefined;
}

const CRASHES = {
  'at-start': "throw new Error('crashing at start as asked');",
  soon: 'setTimeout(() => process.exit(3), 700);',
} as const;

function source(plugin: VersionedPlugin): string {
  const { id, version, node, input, crash } = plugin;
  return `import { defineNode, definePlugin, z } from '@plugboard/sdk';
${crash === undefined ? '' : `if (process.env['PLUGBOARD_PLUGIN_TOKEN'] !== undefined) { ${CRASHES[crash]} }`}
const node = defineNode({
  name: '${node}',
  title: '${node}',
  inputs: z.object({ ${input}: z.string() }),
  outputs: z.object({ text: z.string(), version: z.string() }),
  run: (_ctx, inputs) => ({ text: inputs.${input}.toUpperCase(), version: '${version}' }),
});
export default definePlugin({
  id: '${id}',
  version: '${version}',
  displayName: '${id}',
  description: 'One node, differently in each version.',
  nodes: [node],
});
`;
}

/** Writes the plugin at its version under `dir` and packs it; answers the archive's path. */
export async function packVersionedPlugin(dir: string, plugin: VersionedPlugin): Promise<string> {
  const folder = join(dir, `${plugin.id}-${plugin.version}`);
  await mkdir(join(folder, 'src'), { recursive: true });
  await writeFile(
    join(folder, 'package.json'),
    JSON.stringify({
      name: plugin.id,
      version: plugin.version,
      private: true,
      type: 'module',
      plugboard: { entry: 'src/index.ts' },
    }),
  );
  await writeFile(join(folder, 'src', 'index.ts'), source(plugin));
  const archive = join(dir, `${plugin.id}-${plugin.version}.tar.gz`);
  await plugboardOk(['plugin', 'pack', folder, '--out', archive], dir);
  return archive;
}
