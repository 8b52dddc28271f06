/**
 * @module The operator's grant for one plugin (`<id>/grant.json`), kept across Plugin Server
 * restarts so a granted plugin starts at boot before the platform's next desired state arrives.
 */
import { mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { pluginGrantSchema, type PluginGrant } from '@plugboard/server-api';

export async function readGrant(pluginsDir: string, id: string): Promise<PluginGrant> {
  const text = await readFile(join(pluginsDir, id, 'grant.json'), 'utf8').catch(() => undefined);
  if (text === undefined) {
    return {};
  }
  // A damaged record grants nothing: the plugin waits for the platform to grant it again.
  try {
    const parsed = pluginGrantSchema.safeParse(JSON.parse(text));
    return parsed.success ? parsed.data : {};
  } catch {
    return {};
  }
}

/** Written to a temp file and renamed; an empty grant removes the file. */
export async function writeGrant(
  pluginsDir: string,
  id: string,
  grant: PluginGrant,
): Promise<void> {
  const file = join(pluginsDir, id, 'grant.json');
  if (Object.keys(grant).length === 0) {
    await rm(file, { force: true });
    return;
  }
  await mkdir(join(pluginsDir, id), { recursive: true });
  await writeFile(`${file}.tmp`, JSON.stringify(grant, null, 2));
  await rename(`${file}.tmp`, file);
}
