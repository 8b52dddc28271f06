/**
 * @module Whether a running plugin accepts its configuration: `running` if it does, else
 * `missing_config` with the plugin's own reasons (and no restart: no loop can fix config). A
 * process gets its configuration before any call reaches it, and again on each change.
 */
import { asServerError } from '../errors.ts';
import { applyConfig } from './plugin-calls.ts';
import type { ManagerContext } from './manager-context.ts';
import type { ManagedPlugin } from './managed-plugin.ts';

/** Sets the status from the running process's verdict on the configuration it was given. */
export function settle(ctx: ManagerContext, plugin: ManagedPlugin, reason?: string): void {
  const verdict = plugin.running?.configured;
  if (verdict === undefined) {
    return;
  }
  if (verdict.unchecked !== undefined) {
    plugin.log.note(`could not check the configuration: ${verdict.unchecked}`);
  }
  if (verdict.valid) {
    ctx.setStatus(plugin, 'running', reason);
    return;
  }
  const problems = verdict.issues
    .map((i) => `${i.path.join('.') || '(config)'}: ${i.message}`)
    .join('; ');
  ctx.setStatus(plugin, 'missing_config', `the plugin needs configuration: ${problems}`);
}

/**
 * Gives the running process the plugin's current configuration. False when it did not answer:
 * it may still hold the previous one, so the caller replaces it (a new one gets it at start).
 */
export async function reapply(ctx: ManagerContext, plugin: ManagedPlugin): Promise<boolean> {
  const instance = plugin.running;
  if (instance === undefined) {
    return true;
  }
  try {
    const verdict = await applyConfig(
      instance.process,
      plugin.config ?? {},
      ctx.deps.config.limits.requestTimeoutMs,
    );
    instance.configured = verdict;
    return true;
  } catch (error) {
    // Replaced or crashed while it answered: its replacement is given the configuration at start.
    if (plugin.running !== instance) {
      return true;
    }
    plugin.log.note(
      `could not give the process its new configuration: ${asServerError(error).message}; replacing it`,
    );
    return false;
  }
}
