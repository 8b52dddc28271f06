/**
 * @module Installs a version beside the ones installed: fetch the source → validate the package →
 * check the grant → install its dependencies → record it. Asked to, it is then made current
 * (version-switch.ts): started and seen healthy before the current process is replaced, which
 * keeps serving until then (and on through any failure) and stays installed for the workflows
 * pinned to it. Otherwise it waits, staged, for the operator to see what it would break.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { asServerError, ServerError } from '../errors.ts';
import { validatePackage } from '../install/validate-package.ts';
import { requireGrants } from '../sandbox/grants.ts';
import { fetchSource } from '../sources/fetch-source.ts';
import type { InstallRequest } from './install-request.ts';
import type { ManagerContext } from './manager-context.ts';
import type { ManagedPlugin } from './managed-plugin.ts';
import { redactSource } from '@plugboard/server-api';
import { commitVersions, type VersionSwitch } from './version-switch.ts';
import { currentOf, withInstalled, type VersionRecord } from './version-states.ts';

export interface InstallJob {
  readonly plugin: ManagedPlugin;
  readonly requested: InstallRequest;
  /** Runs the install again; kept to run once a missing grant arrives. */
  readonly again: () => void;
}

export async function installVersion(
  ctx: ManagerContext,
  versions: VersionSwitch,
  job: InstallJob,
): Promise<void> {
  if (ctx.closing()) {
    return;
  }
  const { plugin, requested } = job;
  const { config, engine } = ctx.deps;
  const before = { status: plugin.status, reason: plugin.reason };
  ctx.setStatus(plugin, 'installing');
  plugin.log.note(`installing from ${JSON.stringify(redactSource(requested.source))}`);
  const staging = await mkdtemp(join(ctx.dirs.staging, `${plugin.id}-`));
  let folder: string | undefined;
  let record: VersionRecord;
  // The folder of the same version installed before, which this install replaces.
  let replaced: string | undefined;
  try {
    const fetched = await fetchSource(requested.source, staging, {
      config,
      uploadsDir: ctx.dirs.uploads,
      tempDir: ctx.dirs.staging,
    });
    const manifest = await validatePackage(staging, {
      id: plugin.id,
      version: requested.version ?? fetched.version,
    });
    replaced = plugin.versions.find((v) => v.version === manifest.version)?.folder;
    const current = currentOf(plugin.versions);
    const stages = requested.activate === false && current !== undefined;
    const already = plugin.versions.find((v) => v.version === manifest.version);
    if (stages && (already?.state === 'current' || already?.state === 'kept')) {
      throw new ServerError(
        'PSRV_CONFLICT',
        already.state === 'current'
          ? `version ${manifest.version} of plugin "${plugin.id}" is already current: there is nothing to stage`
          : `version ${manifest.version} of plugin "${plugin.id}" is installed already (kept, for the workflows pinned to it): make it current with activate`,
      );
    }
    // Before the dependencies are installed: a plugin that may not run is not worth installing.
    requireGrants({ pluginId: plugin.id, requested: manifest, grant: plugin.grant }, config);
    ({ folder } = await engine.installEnvironment({
      pluginId: plugin.id,
      version: manifest.version,
      staging,
      log: plugin.log,
    }));
    record = {
      version: manifest.version,
      folder,
      source: redactSource(requested.source),
      installedAt: new Date().toISOString(),
      manifest,
      state: 'staged',
    };
    // A process of the same version's old folder must not serve on once this one is recorded.
    await versions.replacing(plugin, record.version);
    if (stages) {
      await commitVersions(ctx, plugin, withInstalled(plugin.versions, record));
    } else {
      await versions.makeCurrent({ plugin, target: record, mode: 'update' });
    }
  } catch (error) {
    await failed(ctx, { job, error, staging, folder });
    return;
  }
  await rm(staging, { recursive: true, force: true });
  if (requested.activate === false && plugin.status === 'installing') {
    const staged = `version ${record.version} is installed beside ${String(plugin.version)}, staged: make it current to use it`;
    plugin.log.note(staged);
    const instance = plugin.running;
    if (instance === undefined) {
      // A restart armed before (a crash backoff) goes on; otherwise it stays in error.
      ctx.setStatus(
        plugin,
        before.status === 'restarting' ? 'restarting' : 'error',
        `${before.reason ?? 'no process runs'}; ${staged}`,
      );
    } else {
      ctx.setStatus(plugin, instance.configured.valid ? 'running' : 'missing_config', staged);
    }
  }
  try {
    await versions.prune(plugin, {
      dropped: replaced === undefined ? [] : [replaced],
      protect: record.version,
    });
  } catch (error) {
    plugin.log.note(`removing older versions failed: ${asServerError(error).message}`);
  }
}

/** The install did not complete: clean what it left, and say why with the plugin's status. */
async function failed(
  ctx: ManagerContext,
  at: { job: InstallJob; error: unknown; staging: string; folder: string | undefined },
): Promise<void> {
  const { job, staging, folder } = at;
  const { plugin } = job;
  const failure = asServerError(at.error);
  await rm(staging, { recursive: true, force: true });
  if (folder !== undefined && !plugin.versions.some((v) => v.folder === folder)) {
    await ctx.deps.engine.remove(folder);
  }
  plugin.lastError = {
    message: failure.message,
    code: failure.code,
    at: new Date(),
    logTail: await plugin.log.tail(20),
  };
  plugin.log.note(`install failed: ${failure.message}`);
  if (failure.code === 'PSRV_NOT_GRANTED') {
    plugin.onGrant = job.again;
  }
  const waits = failure.code === 'PSRV_NOT_GRANTED' ? '; it installs once granted' : '';
  if (plugin.running !== undefined) {
    ctx.setStatus(
      plugin,
      plugin.running.configured.valid ? 'running' : 'missing_config',
      `the install failed and version ${String(plugin.version)} keeps serving: ${failure.message}${waits}`,
    );
  } else {
    ctx.setStatus(plugin, 'error', `${failure.message}${waits}`);
  }
}
