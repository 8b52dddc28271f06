// Waits until a Plugin Server's manager has `count` plugins, all `running`, failing fast (with the
// plugin's reason) when one ends in error instead of waiting for the time limit.
import { sleep } from './measure.ts';

interface PluginStates {
  list(): readonly { id: string; status: string; reason: string | undefined }[];
}

const POLL_MS = 10;

export async function untilRunning(
  manager: PluginStates,
  count: number,
  limitMs: number,
): Promise<void> {
  const began = performance.now();
  for (;;) {
    const plugins = manager.list();
    const failed = plugins.find((p) => p.status === 'error' || p.status === 'missing_config');
    if (failed !== undefined) {
      throw new Error(`${failed.id} is ${failed.status}: ${failed.reason ?? ''}`);
    }
    const running = plugins.filter((p) => p.status === 'running').length;
    if (plugins.length === count && running === count) {
      return;
    }
    if (performance.now() - began > limitMs) {
      throw new Error(
        `only ${String(running)} of ${String(count)} plugins running after ${String(limitMs)} ms`,
      );
    }
    await sleep(POLL_MS);
  }
}
