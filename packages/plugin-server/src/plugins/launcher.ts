/**
 * @module Starts a plugin process from an installed folder: the process, a check that it serves
 * the manifest it shipped, its configuration (given before any call can reach it), its connection
 * pool and its health probe.
 */
import { join } from 'node:path';
import type { ConfigureResponse, Manifest } from '@plugboard/protocol';
import { Pool } from 'undici';
import { ServerError } from '../errors.ts';
import { validatePackage } from '../install/validate-package.ts';
import { startHealthProbe } from '../supervisor/health-probe.ts';
import type { ManagerContext } from './manager-context.ts';
import type { ManagedPlugin, RunningInstance } from './managed-plugin.ts';
import { applyConfig, fetchManifest } from './plugin-calls.ts';

/** What the supervisor hears about an instance once it is started. */
export interface InstanceSignals {
  /** The process exited, for whatever reason (`how` says it). */
  exited(instance: RunningInstance, how: string): void;
  /** It reports executions that kept running past their deadline or cancel. */
  stuck(instance: RunningInstance, count: number): void;
}

export async function launch(
  ctx: ManagerContext,
  target: { plugin: ManagedPlugin; folder: string; manifest?: Manifest | undefined },
  signals: InstanceSignals,
): Promise<RunningInstance> {
  const { plugin, folder } = target;
  const { config, engine } = ctx.deps;
  const expected =
    target.manifest ??
    (await validatePackage(join(folder, 'package'), { id: plugin.id, version: plugin.version }));
  const proc = await engine.start({
    pluginId: plugin.id,
    folder,
    log: plugin.log,
    manifest: expected,
    grant: plugin.grant,
    env: {
      ...ctx.deps.pluginEnv?.(),
      PLUGBOARD_MAX_CONCURRENCY: String(config.limits.connectionsPerPlugin),
      PLUGBOARD_DEFAULT_TIMEOUT_MS: String(config.limits.requestTimeoutMs),
      PLUGBOARD_MAX_BODY_BYTES: String(config.limits.maxBodyBytes),
    },
  });
  let configured: ConfigureResponse;
  try {
    const served = await fetchManifest(proc, config.supervision.healthTimeoutMs * 5);
    if (served.contentHash !== expected.contentHash) {
      throw new ServerError(
        'PSRV_PACKAGE_INVALID',
        `the running plugin serves a manifest (${served.contentHash}) other than the one it shipped (${expected.contentHash}); re-pack it so plugboard.manifest.json is current`,
      );
    }
    configured = await applyConfig(proc, plugin.config ?? {}, config.limits.requestTimeoutMs);
  } catch (error) {
    await engine.stop(proc, config.supervision.stopGraceMs);
    throw error;
  }
  const pool = new Pool(proc.url, {
    ...(proc.socketPath === undefined ? {} : { socketPath: proc.socketPath }),
    connections: config.limits.connectionsPerPlugin,
    pipelining: 1,
    connectTimeout: 5_000,
    keepAliveTimeout: 60_000,
    headersTimeout: 0,
    bodyTimeout: 0,
  });
  const instance: RunningInstance = {
    process: proc,
    pool,
    folder,
    manifest: expected,
    configured,
    probe: startHealthProbe(proc, config.supervision, {
      onUnhealthy: (reason) => {
        plugin.log.note(`unhealthy: ${reason}; replacing the process`);
        void engine.stop(proc, 0);
      },
      onStuck: (stuck) => {
        signals.stuck(instance, stuck);
      },
    }),
  };
  void proc.exited.then((exit) => {
    instance.exited = true;
    signals.exited(instance, exit.description);
  });
  return instance;
}
