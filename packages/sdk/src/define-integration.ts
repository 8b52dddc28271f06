/**
 * @module defineIntegration: a kind of credentials nodes can require (an API key, a bearer token).
 */
import type { z } from 'zod';
import { componentNameSchema } from '@plugboard/protocol';
import type { HookContext } from './context.ts';
import { PluginDefinitionError } from './definition-error.ts';

export type CredentialsSchema = z.ZodObject;

/** What a ready check may answer: a plain boolean, or a verdict with a reason for people. */
export type ReadyResult = boolean | { readonly ready: boolean; readonly message?: string };

export interface IntegrationOptions<TName extends string, TCredentials extends CredentialsSchema> {
  readonly name: TName;
  readonly displayName: string;
  readonly description?: string;
  readonly icon?: string;
  /** The credential form; mark secret fields with `secret()`. */
  readonly credentials: TCredentials;
  /** Checks stored credentials work (e.g. calls the API's "who am I"). Without it, valid = ready. */
  readonly ready?: (
    credentials: z.output<TCredentials>,
    ctx: HookContext,
  ) => ReadyResult | Promise<ReadyResult>;
}

export interface Integration<
  TName extends string = string,
  TCredentials extends CredentialsSchema = CredentialsSchema,
> extends IntegrationOptions<TName, TCredentials> {
  readonly kind: 'integration';
}

/**
 * Declares an integration. Nodes list it in `integrations` and receive its credentials, typed
 * from `credentials`, as `ctx.credentials[name]`.
 */
export function defineIntegration<
  const TName extends string,
  TCredentials extends CredentialsSchema,
>(options: IntegrationOptions<TName, TCredentials>): Integration<TName, TCredentials> {
  const name = componentNameSchema.safeParse(options.name);
  if (!name.success) {
    throw new PluginDefinitionError(`integration ${JSON.stringify(options.name)}`, [
      `name: ${name.error.issues.map((i) => i.message).join('; ')}`,
    ]);
  }
  return Object.freeze({ ...options, kind: 'integration' as const });
}
