/**
 * @module Stops a plugin process that no new call reaches any more, without failing the calls
 * already handed to it.
 */
import type { Engine } from '../engine/engine.ts';
import type { RunningInstance } from './managed-plugin.ts';

/**
 * The caller has taken the instance out of service first. The calls already handed to its pool
 * are let finish on live connections before the process is asked to stop: a process that drains
 * closes its idle connections, and a request written onto one at that moment would meet a reset
 * with no way to tell whether it ran. Past `graceMs` the process is stopped anyway (with the same
 * grace to drain what it still holds).
 */
export async function stopInstance(
  engine: Engine,
  instance: RunningInstance,
  graceMs: number,
): Promise<void> {
  instance.probe.stop();
  let timer: NodeJS.Timeout | undefined;
  await Promise.race([
    instance.pool.close().catch(() => undefined),
    new Promise((resolve) => {
      timer = setTimeout(resolve, graceMs);
    }),
  ]);
  clearTimeout(timer);
  await engine.stop(instance.process, graceMs);
  await instance.pool.destroy().catch(() => undefined);
}
