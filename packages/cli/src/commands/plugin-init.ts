/**
 * @module `plugboard plugin init <name>`: writes a working plugin into a new folder.
 */
import { mkdir, stat, writeFile } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { pluginIdSchema } from '@plugboard/protocol';
import { CliError } from '../cli-error.ts';
import { pluginTemplate } from '../templates/plugin-template.ts';

export async function initPlugin(
  name: string,
  parentDir: string,
): Promise<{ dir: string; files: string[] }> {
  const id = pluginIdSchema.safeParse(name);
  if (!id.success) {
    throw new CliError(
      'CLI_USAGE',
      `"${name}" cannot be a plugin id: ${id.error.issues[0]?.message ?? 'invalid'}`,
      2,
    );
  }
  const dir = resolve(parentDir, name);
  if (
    await stat(dir).then(
      () => true,
      () => false,
    )
  ) {
    throw new CliError(
      'CLI_TARGET_EXISTS',
      `${dir} already exists; pick another name or remove it first`,
    );
  }
  const displayName = name
    .split(/[._-]/)
    .filter((part) => part.length > 0)
    .map((part) => (part[0] ?? '').toUpperCase() + part.slice(1))
    .join(' ');
  const files = pluginTemplate({ id: id.data, displayName });
  for (const [path, content] of Object.entries(files)) {
    const target = join(dir, path);
    await mkdir(dirname(target), { recursive: true });
    await writeFile(target, content, { flag: 'wx' });
  }
  return { dir, files: Object.keys(files) };
}
