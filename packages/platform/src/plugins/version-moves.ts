/**
 * @module Moving a plugin between its installed versions: make one current, or roll back to the
 * previous one. Checked against the versions its Plugin Server last reported, then asked of it;
 * the version moved to becomes the desired one, with the source it came from.
 */
import {
  describeVersions,
  MASKED,
  pluginSourceSchema,
  previousVersion,
} from '@plugboard/server-api';
import { PlatformError } from '../errors.ts';
import type { PluginServerClient } from '../plugin-server/plugin-server-client.ts';
import type { PluginRecord } from './plugin-record.ts';
import type { PluginRepository } from './plugin-repository.ts';

export interface VersionMoves {
  readonly repo: PluginRepository;
  readonly server: PluginServerClient;
}

type InstalledVersion = PluginRecord['versions'][number];

export async function activateVersion(
  moves: VersionMoves,
  record: PluginRecord,
  version: string,
): Promise<void> {
  const installed = record.versions.find((v) => v.version === version);
  if (installed === undefined || installed.state === 'current') {
    throw new PlatformError(
      installed === undefined ? 'PLAT_NOT_FOUND' : 'PLAT_CONFLICT',
      installed === undefined
        ? `version ${version} of plugin "${record.id}" is not installed (installed: ${describeVersions(record.versions)}); install it with POST /api/plugins/${record.id}/update and activate false`
        : `version ${version} of plugin "${record.id}" is current already`,
    );
  }
  await moves.server.activate(record.id, version);
  await desire(moves, record, installed);
}

export async function rollbackVersion(
  moves: VersionMoves,
  record: PluginRecord,
  to: string | undefined,
): Promise<void> {
  const target =
    to === undefined
      ? previousVersion(record.versions)
      : record.versions.find((v) => v.version === to && v.state !== 'current');
  if (target === undefined) {
    throw new PlatformError(
      'PLAT_CONFLICT',
      to === undefined
        ? `plugin "${record.id}" has no previous version installed to roll back to (installed: ${describeVersions(record.versions)}); name one with "to"`
        : `version ${to} of plugin "${record.id}" is not an installed version other than the current one (installed: ${describeVersions(record.versions)})`,
    );
  }
  await moves.server.rollback(record.id, target.version);
  await desire(moves, record, target);
}

/**
 * Records an installed version as the one wanted current, with the source it came from (as its
 * Plugin Server reports it: without a git token, which is kept when the repository is the same),
 * so a Plugin Server that lost its data folder installs that version again.
 */
async function desire(
  { repo }: VersionMoves,
  record: PluginRecord,
  installed: InstalledVersion,
): Promise<void> {
  const reported = pluginSourceSchema.safeParse(installed.source);
  if (!reported.success) {
    await repo.setVersion(record.id, installed.version);
    return;
  }
  const stored = await repo.fullSource(record.id);
  // The report masks a git token: the stored one is kept for the same repository, else none.
  const { data } = reported;
  const source =
    data.type !== 'git'
      ? data
      : {
          ...data,
          token:
            stored?.type === 'git' && stored.url === data.url && stored.token !== MASKED
              ? stored.token
              : undefined,
        };
  await repo.setSource(record.id, source, installed.version);
}
