/**
 * @module The record of a plugin's installed versions (`<id>/versions.json`): what a restarted
 * server starts (the current one) and keeps callable. A data folder from before versions were
 * kept side by side holds `<id>/current.json` instead; it is read as one current version.
 */
import { readFile, rename, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { ServerError } from '../errors.ts';
import { validatePackage } from '../install/validate-package.ts';
import type { VersionRecord } from './version-states.ts';

const RECORD = 'versions.json';
const LEGACY_RECORD = 'current.json';

/** The installed versions; `undefined` when none is recorded (a plugin folder an install left). */
export async function readInstalledVersions(
  pluginsDir: string,
  id: string,
): Promise<VersionRecord[] | undefined> {
  const text = await readIfThere(join(pluginsDir, id, RECORD));
  if (text !== undefined) {
    return checked(JSON.parse(text));
  }
  const legacy = await readIfThere(join(pluginsDir, id, LEGACY_RECORD));
  if (legacy === undefined) {
    return undefined;
  }
  const current = JSON.parse(legacy) as Omit<VersionRecord, 'manifest' | 'state'>;
  const manifest = await validatePackage(join(current.folder, 'package'), {
    id,
    version: current.version,
  });
  const versions: VersionRecord[] = [{ ...current, manifest, state: 'current' }];
  await writeInstalledVersions(pluginsDir, id, versions);
  await rm(join(pluginsDir, id, LEGACY_RECORD), { force: true });
  return versions;
}

/** Written to a temp file and renamed, so a crash mid-write never leaves a torn record. */
export async function writeInstalledVersions(
  pluginsDir: string,
  id: string,
  versions: readonly VersionRecord[],
): Promise<void> {
  const file = join(pluginsDir, id, RECORD);
  await writeFile(`${file}.tmp`, JSON.stringify({ versions }, null, 2));
  await rename(`${file}.tmp`, file);
}

/** The file's text; undefined only when there is no such file (any other failure throws). */
async function readIfThere(path: string): Promise<string | undefined> {
  try {
    return await readFile(path, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') {
      return undefined;
    }
    throw error;
  }
}

/** The record's versions, refused whole when it is not the shape this server writes. */
function checked(record: unknown): VersionRecord[] {
  const versions = (record as { versions?: unknown } | null)?.versions;
  const valid =
    Array.isArray(versions) &&
    versions.every((v: unknown) => {
      const entry = v as Partial<VersionRecord> | null;
      return (
        typeof entry?.version === 'string' &&
        typeof entry.folder === 'string' &&
        typeof entry.state === 'string' &&
        typeof entry.manifest === 'object'
      );
    });
  if (!valid) {
    throw new ServerError(
      'PSRV_INTERNAL',
      'it does not list versions with their folder, state and manifest',
    );
  }
  return versions as VersionRecord[];
}
