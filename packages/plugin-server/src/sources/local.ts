/**
 * @module Local-folder source (dev mode only): copies a plugin folder, without node_modules, VCS
 * folders or links, into the staging folder.
 */
import { cp, lstat } from 'node:fs/promises';
import { basename, isAbsolute } from 'node:path';
import { ServerError } from '../errors.ts';
import type { LocalSource } from '@plugboard/server-api';

const SKIPPED = new Set(['node_modules', '.git', '.hg', '.svn', '.plugboard']);

export async function copyLocalSource(
  source: LocalSource,
  staging: string,
  devMode: boolean,
): Promise<void> {
  if (!devMode) {
    throw new ServerError(
      'PSRV_SOURCE_REFUSED',
      'local-folder sources are allowed only when the Plugin Server runs in dev mode (PLUGBOARD_SERVER_DEV_MODE=true); package the plugin with `plugboard plugin pack` and upload it instead',
    );
  }
  if (!isAbsolute(source.path)) {
    throw new ServerError(
      'PSRV_SOURCE_REFUSED',
      `the local path ${JSON.stringify(source.path)} must be absolute`,
    );
  }
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
