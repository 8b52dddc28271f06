/**
 * @module Makes every `import '@plugboard/sdk…'` inside a plugin resolve to this copy of the SDK.
 *
 * The SDK is never fetched from a registry: whatever the plugin's own node_modules hold, the
 * process serving it supplies the SDK, so there is one copy (brands, zod instances and versions
 * agree) and a plugin needs no install at all when it has no other dependencies.
 */
import { registerHooks } from 'node:module';

const SDK_PACKAGE = '@plugboard/sdk';
let registered = false;

export function resolveSdkToThisCopy(): void {
  if (registered) {
    return;
  }
  registered = true;
  registerHooks({
    resolve(specifier, context, nextResolve) {
      if (specifier === SDK_PACKAGE || specifier.startsWith(`${SDK_PACKAGE}/`)) {
        return nextResolve(specifier, { ...context, parentURL: import.meta.url });
      }
      return nextResolve(specifier, context);
    },
  });
}
