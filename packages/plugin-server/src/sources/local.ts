/**
 * @module Local-folder source (dev mode only): copies a plugin folder, without node_modules, VCS
 * folders or links, into the staging folder.
 */
import { cp, lstat } from 'node:fs/promises';
import { basename } from 'node:path';
import { ServerError } from '../errors.ts';
import type { LocalSource } from '@plugboard/server-api';

const SKIPPED = new Set(['node_modules', '.git', '.hg', '.svn', '.plugboard']);

/** Copies an admitted local source (see source-admission.ts: dev mode, an absolute path). */
export async function copyLocalSource(source: LocalSource, staging: string): Promise<void> {
  const info = await lstat(source.path).catch(() => undefined);
  if (info?.isDirectory() !== true) {
    throw new ServerError('PSRV_SOURCE_REFUSED', `${source.path} is not a folder`);
  }
  await cp(source.path, staging, {
    recursive: true,
    errorOnExist: false,
    verbatimSymlinks: true,
    filter: async (from) => {
      if (SKIPPED.has(basename(from))) {
        return false;
      }
      if ((await lstat(from)).isSymbolicLink()) {
        throw new ServerError(
          'PSRV_SOURCE_REFUSED',
          `${from} is a symbolic link; plugin folders may contain only files and folders`,
        );
      }
      return true;
    },
  });
}
