/**
 * @module Whether a running plugin accepts its configuration: `running` if it does, else
 * `missing_config` with the plugin's own reasons (and no restart: no loop can fix config).
 */
import type { ValidateConfigResponse } from '@plugboard/protocol';
import type { ManagerContext } from './manager-context.ts';
import type { ManagedPlugin } from './managed-plugin.ts';
import { validateConfig } from './plugin-calls.ts';

export async function settle(ctx: ManagerContext, plugin: ManagedPlugin): Promise<void> {
  const instance = plugin.running;
  if (instance === undefined) {
    return;
  }
  let verdict: ValidateConfigResponse;
  try {
    verdict = await validateConfig(
      instance.process,
      plugin.config ?? {},
      ctx.deps.config.limits.requestTimeoutMs,
    );
  } catch (error) {
    if (plugin.running !== instance) {
      return;
    }
    plugin.log.note(`could not check the configuration: ${(error as Error).message}`);
    ctx.setStatus(plugin, 'running');
    return;
  }
  // The process may have crashed or been replaced while it answered: its verdict is moot, and
  // the status the crash or the replacement set stands.
  if (plugin.running !== instance) {
    return;
  }
  if (verdict.valid) {
    ctx.setStatus(plugin, 'running');
    return;
  }
  const problems = verdict.issues
    .map((i) => `${i.path.join('.') || '(config)'}: ${i.message}`)
    .join('; ');
  ctx.setStatus(plugin, 'missing_config', `the plugin needs configuration: ${problems}`);
}
