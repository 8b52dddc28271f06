/**
 * @module defineIntegration: a kind of credentials nodes can require (an API key, a bearer token).
 */
import type { z } from 'zod';
import { componentNameSchema } from '@plugboard/protocol';
import type { HookContext } from './context.ts';
import { PluginDefinitionError } from './definition-error.ts';

/**
 * What an integration's `ready` check answers: `true` or `false`, or a verdict with a reason for
 * people (`{ ready: false, message: 'the key was revoked' }`), which the web UI shows when the
 * credential is checked.
 */
export type ReadyResult =
  | boolean
  | {
      /** Whether the credentials work. */
      readonly ready: boolean;
      /** Why not (or a note when they do), for people. */
      readonly message?: string;
    };

/** What defineIntegration takes: the integration's name and labels, its credential form, its check. */
export interface IntegrationOptions<TName extends string, TCredentials extends z.ZodObject> {
  /**
   * Unique within the plugin, lower-case letters, digits and dashes, e.g. `example-api`; nodes find
   * their credentials under it in `ctx.credentials`.
   */
  readonly name: TName;
  /** The name people see, e.g. `Example API`. */
  readonly displayName: string;
  /** What the credentials are and where to get them. @default '' */
  readonly description?: string;
  /**
   * An image for it: an `https:` URL or a `data:` URI (an SVG, say). It goes into the manifest as
   * is; nothing fetches or checks it.
   */
  readonly icon?: string;
  /** The credential form; mark secret fields with `secret()`. */
  readonly credentials: TCredentials;
  /** Checks stored credentials work (e.g. calls the API's "who am I"). Without it, valid = ready. */
  readonly ready?: (
    credentials: z.output<TCredentials>,
    ctx: HookContext,
  ) => ReadyResult | Promise<ReadyResult>;
}

/** A declared integration, as defineIntegration returns it: its options, frozen. */
export interface Integration<
  TName extends string = string,
  TCredentials extends z.ZodObject = z.ZodObject,
> extends IntegrationOptions<TName, TCredentials> {
  /** Tells an integration from the other declarations. */
  readonly kind: 'integration';
}

/**
 * Declares an integration. Nodes list it in `integrations` and receive its credentials, typed
 * from `credentials`, as `ctx.credentials[name]`.
 */
export function defineIntegration<const TName extends string, TCredentials extends z.ZodObject>(
  options: IntegrationOptions<TName, TCredentials>,
): Integration<TName, TCredentials> {
  const name = componentNameSchema.safeParse(options.name);
  if (!name.success) {
    throw new PluginDefinitionError(`integration ${JSON.stringify(options.name)}`, [
      `name: ${name.error.issues.map((i) => i.message).join('; ')}`,
    ]);
  }
  return Object.freeze({ ...options, kind: 'integration' as const });
}
