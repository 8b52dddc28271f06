/**
 * @module What the platform wants for one plugin beyond its version (`<id>/desired.json`): its
 * configuration and the operator's grant. Kept across Plugin Server restarts, so a configured,
 * granted plugin comes straight back `running` before the platform's next desired state arrives.
 * The file is readable by the server's user only: the configuration may hold secrets.
 */
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { pluginGrantSchema } from '@plugboard/server-api';
import { z } from 'zod';

const desiredRecordSchema = z.object({
  config: z.record(z.string(), z.unknown()).optional(),
  grant: pluginGrantSchema.optional(),
});
export type DesiredRecord = z.infer<typeof desiredRecordSchema>;

const FILE = 'desired.json';

export async function readDesired(pluginsDir: string, id: string): Promise<DesiredRecord> {
  const text = await readFile(join(pluginsDir, id, FILE), 'utf8').catch(() => undefined);
  if (text === undefined) {
    return {};
  }
  // A damaged record is as good as none: the platform's next desired state brings it back.
  try {
    const parsed = desiredRecordSchema.safeParse(JSON.parse(text));
    return parsed.success ? parsed.data : {};
  } catch {
    return {};
  }
}

/** Written to a temp file and renamed, so a crash mid-write never leaves a torn record. */
export async function writeDesired(
  pluginsDir: string,
  id: string,
  record: DesiredRecord,
): Promise<void> {
  const file = join(pluginsDir, id, FILE);
  await mkdir(join(pluginsDir, id), { recursive: true });
  await writeFile(`${file}.tmp`, JSON.stringify(record), { mode: 0o600 });
  await rename(`${file}.tmp`, file);
}
