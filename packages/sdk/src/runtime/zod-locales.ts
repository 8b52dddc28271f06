/**
 * @module In a plugin process, zod's translations of its messages load when a plugin asks for one,
 * not at start.
 *
 * `import 'zod'` evaluates every one of zod's locales for `z.locales` (63 modules) though plugins
 * rarely use one: about 25 ms of CPU in every plugin start, and a larger heap to collect. A hook
 * resolves zod's locale index to zod-locales-on-demand.ts instead, which has the same names, and
 * `z.config(z.locales.fr())` loads zod's own `fr` module when it runs. `z` and its types are
 * zod's, unchanged; only when a locale's module is evaluated differs.
 */
import { registerHooks } from 'node:module';

/** Where each copy of zod keeps the index `z.locales` and `z.core.locales` are made from. */
const LOCALES_INDEX = '/zod/v4/locales/index.js';
const ON_DEMAND = new URL('./zod-locales-on-demand.ts', import.meta.url).href;
let registered = false;

/** Before zod is first imported: a zod already loaded keeps every locale it evaluated. */
export function loadZodLocalesOnDemand(): void {
  if (registered) {
    return;
  }
  registered = true;
  registerHooks({
    resolve(specifier, context, nextResolve) {
      const resolved = nextResolve(specifier, context);
      if (!resolved.url.startsWith('file:') || !resolved.url.endsWith(LOCALES_INDEX)) {
        return resolved;
      }
      // One stand-in per copy of zod (a plugin may bring its own): it loads that copy's locales,
      // which import that copy's core.
      return { url: `${ON_DEMAND}?index=${encodeURIComponent(resolved.url)}` };
    },
  });
}
