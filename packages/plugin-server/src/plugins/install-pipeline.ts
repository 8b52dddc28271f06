/**
 * @module Installs a version: fetch the source → validate the package → check the grant → install
 * its dependencies → start it and see it healthy → record it → swap it in for the old process,
 * which keeps serving until then (and on through any failure).
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { asServerError } from '../errors.ts';
import { validatePackage } from '../install/validate-package.ts';
import { requireGrants } from '../sandbox/grants.ts';
import { fetchSource } from '../sources/fetch-source.ts';
import { readCurrentVersion, writeCurrentVersion } from './current-version.ts';
import type { InstallRequest } from './install-request.ts';
import type { ManagerContext } from './manager-context.ts';
import type { ManagedPlugin, RunningInstance } from './managed-plugin.ts';
import { redactSource } from '@plugboard/server-api';
import type { Supervisor } from './supervisor.ts';

export interface InstallJob {
  readonly plugin: ManagedPlugin;
  readonly requested: InstallRequest;
  /** Runs the install again; kept to run once a missing grant arrives. */
  readonly again: () => void;
}

export async function installVersion(
  ctx: ManagerContext,
  supervisor: Supervisor,
  job: InstallJob,
): Promise<void> {
  if (ctx.closing()) {
    return;
  }
  const { plugin, requested } = job;
  const { config, engine } = ctx.deps;
  const previous = plugin.running;
  // The installed version's folder, even when no process of it runs (crashed, or in error).
  const previousFolder = (await readCurrentVersion(ctx.dirs.plugins, plugin.id))?.folder;
  ctx.setStatus(plugin, 'installing');
  plugin.log.note(`installing from ${JSON.stringify(redactSource(requested.source))}`);
  const staging = await mkdtemp(join(ctx.dirs.staging, `${plugin.id}-`));
  let folder: string | undefined;
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
    // Before the dependencies are installed: a plugin that may not run is not worth installing.
    requireGrants({ pluginId: plugin.id, requested: manifest, grant: plugin.grant }, config);
    ({ folder } = await engine.installEnvironment({
      pluginId: plugin.id,
      version: manifest.version,
      staging,
      log: plugin.log,
    }));
    // The new version must be up and healthy before the old one stops.
    const next = await supervisor.launch(plugin, folder, manifest);
    if (ctx.closing()) {
      await engine.stop(next.process, 0);
      return;
    }
    try {
      // Recorded before the swap: if this write fails, the new process is stopped and the old
      // one keeps serving, with the record still naming it.
      await writeCurrentVersion(ctx.dirs.plugins, plugin.id, {
        version: manifest.version,
        folder,
        source: redactSource(requested.source),
        installedAt: new Date().toISOString(),
      });
    } catch (error) {
      next.probe.stop();
      await engine.stop(next.process, 0);
      await next.pool.destroy().catch(() => undefined);
      throw error;
    }
    plugin.running = next;
    plugin.version = manifest.version;
    plugin.source = redactSource(requested.source);
    plugin.policy.reset();
  } catch (error) {
    await failed(ctx, { job, error, staging, folder, previous });
    return;
  }
  // Installed and swapped in: what follows cannot undo that. A failure to retire the old version
  // costs disk space, said in the log, never the new version's status or files.
  supervisor.settle(plugin);
  try {
    if (previous !== undefined) {
      await supervisor.retire(plugin, previous);
    } else if (previousFolder !== undefined && previousFolder !== folder) {
      await engine.remove(previousFolder);
    }
  } catch (error) {
    plugin.log.note(
      `version ${plugin.version} runs; the previous one could not be cleared away: ${asServerError(error).message}`,
    );
  }
}

/** The install did not swap in: clean what it left, and say why with the plugin's status. */
async function failed(
  ctx: ManagerContext,
  at: {
    job: InstallJob;
    error: unknown;
    staging: string;
    folder: string | undefined;
    previous: RunningInstance | undefined;
  },
): Promise<void> {
  const { job, staging, folder, previous } = at;
  const { plugin } = job;
  const { engine } = ctx.deps;
  const failure = asServerError(at.error);
  await rm(staging, { recursive: true, force: true });
  if (folder !== undefined) {
    await engine.remove(folder);
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
  if (previous !== undefined && plugin.running === previous) {
    ctx.setStatus(
      plugin,
      'running',
      `the install failed and version ${String(plugin.version)} keeps serving: ${failure.message}${waits}`,
    );
  } else {
    ctx.setStatus(plugin, 'error', `${failure.message}${waits}`);
  }
}
