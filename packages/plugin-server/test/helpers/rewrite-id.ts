// Gives a copy of the fixture another plugin id, in its package.json, source and manifest.
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { runCli } from './fixture-package.ts';

export async function rewriteId(dir: string, id: string): Promise<void> {
  const source = await readFile(join(dir, 'src/index.ts'), 'utf8');
  await writeFile(join(dir, 'src/index.ts'), source.replace(/id: '[a-z-]+'/, `id: '${id}'`));
  const behaviour = await readFile(join(dir, 'behaviour.json'), 'utf8').catch(() => undefined);
  if (behaviour !== undefined) {
    // The manifest is generated with the plugin behaving, then the behaviour is restored.
    await writeFile(join(dir, 'behaviour.json'), JSON.stringify({ mode: 'ok' }));
  }
  await runCli(['plugin', 'manifest', '--out', 'plugboard.manifest.json'], dir);
  if (behaviour !== undefined) {
    await writeFile(join(dir, 'behaviour.json'), behaviour);
  }
}
