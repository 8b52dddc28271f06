/**
 * @module Whether this server will take a source at all, decided before an install is accepted
 * (so a refused source answers 400 and leaves no record anywhere) and again when it is fetched.
 * Nothing here touches the network or the disk.
 */
import { isAbsolute } from 'node:path';
import type { PluginSource } from '@plugboard/server-api';
import type { ServerConfig } from '../config.ts';
import { ServerError } from '../errors.ts';
import { checkGitUrl } from './git-url.ts';

const FILE_ID = /^[A-Za-z0-9_-]{1,128}$/;

export function admitSource(
  source: PluginSource,
  config: Pick<ServerConfig, 'devMode' | 'marketplaceUrl'>,
): void {
  switch (source.type) {
    case 'local':
      if (!config.devMode) {
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
      return;
    case 'git':
      checkGitUrl(source.url);
      return;
    case 'upload':
      if (!FILE_ID.test(source.fileId)) {
        throw new ServerError(
          'PSRV_SOURCE_REFUSED',
          'an upload fileId has 1–128 letters, digits, "_" or "-"',
        );
      }
      return;
    case 'marketplace':
      if (config.marketplaceUrl === undefined) {
        throw new ServerError(
          'PSRV_SOURCE_REFUSED',
          'no marketplace is configured; set PLUGBOARD_MARKETPLACE_URL to the index URL',
        );
      }
  }
}
