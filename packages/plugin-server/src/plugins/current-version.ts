/**
 * @module The record of which installed version of a plugin is current (`<id>/current.json`), what
 * a restarted server starts from.
 */
import { readFile, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';

export interface CurrentVersion {
  readonly version: string;
  readonly folder: string;
  readonly source: Record<string, unknown>;
  readonly installedAt: string;
}

export async function readCurrentVersion(
  pluginsDir: string,
  id: string,
): Promise<CurrentVersion | undefined> {
  const text = await readFile(join(pluginsDir, id, 'current.json'), 'utf8').catch(() => undefined);
  return text === undefined ? undefined : (JSON.parse(text) as CurrentVersion);
}

/** Written to a temp file and renamed, so a crash mid-write never leaves a torn record. */
export async function writeCurrentVersion(
  pluginsDir: string,
  id: string,
  record: CurrentVersion,
): Promise<void> {
  const file = join(pluginsDir, id, 'current.json');
  await writeFile(`${file}.tmp`, JSON.stringify(record, null, 2));
  await rename(`${file}.tmp`, file);
}
