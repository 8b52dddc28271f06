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
import { createRequire, registerHooks } from 'node:module';
import { dirname, join } from 'node:path';
import { pathToFileURL } from 'node:url';

/**
 * The index `z.locales` and `z.core.locales` are made from, in the copy of zod the SDK brings. Only
 * that copy is stood in for: the stand-in lists that version's locale names (a test keeps them
 * equal), and a plugin's own copy of another version may have other names, which a stand-in
 * without them would fail to link.
 */
export const SDK_LOCALES_INDEX = pathToFileURL(
  join(dirname(createRequire(import.meta.url).resolve('zod')), 'v4', 'locales', 'index.js'),
).href;
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
      if (resolved.url !== SDK_LOCALES_INDEX) {
        return resolved;
      }
      return { url: ON_DEMAND };
    },
  });
}
