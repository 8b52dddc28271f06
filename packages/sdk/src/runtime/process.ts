/**
 * @module The entry `plugboard plugin serve` runs a plugin through: what must precede loading the
 * runtime (and zod with it), then the runtime.
 */
import type { PluginProcessInput } from './run-plugin-process.ts';
import { loadZodLocalesOnDemand } from './zod-locales.ts';

/** Serves a plugin until it is told to stop; resolves with the exit code (see run-plugin-process.ts). */
export async function runPluginProcess(input: PluginProcessInput): Promise<number> {
  loadZodLocalesOnDemand();
  const { servePlugin } = await import('./run-plugin-process.ts');
  return servePlugin(input);
}
