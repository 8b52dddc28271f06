/**
 * @module What credentials must pass before they are stored: the plugin's manifest must declare
 * the integration, the data must match the integration's credential schema (every problem
 * reported), and the plugin's own ready check must accept them.
 */
import {
  integrationReadyResponseSchema,
  type IntegrationManifest,
  type IntegrationReadyResponse,
  type Manifest,
} from '@plugboard/protocol';
import type { Queryable } from '../db/database.ts';
import { PlatformError } from '../errors.ts';
import type { PluginServerClient, RemoteFailure } from '../plugin-server/plugin-server-client.ts';
import { checkAgainstSchema } from '../json-schema/json-schema-validator.ts';
import type { CredentialData } from './credentials-repository.ts';

interface CredentialTarget {
  readonly pluginId: string;
  readonly integration: string;
}

export interface CredentialChecks {
  /** The integration as the plugin's manifest declares it. */
  declaration(target: CredentialTarget): Promise<IntegrationManifest>;
  /** Asks the plugin's ready check; a refusal comes back as `ready: false`, not thrown. */
  ready(target: CredentialTarget, data: CredentialData): Promise<IntegrationReadyResponse>;
  /** All checks; PLAT_CREDENTIALS_REJECTED when the schema or the ready check refuses. */
  accept(target: CredentialTarget, data: CredentialData): Promise<void>;
}

export function createCredentialChecks(deps: {
  readonly db: Queryable;
  readonly pluginServer: PluginServerClient;
}): CredentialChecks {
  const { db, pluginServer } = deps;

  const declaration = async ({ pluginId, integration }: CredentialTarget) => {
    // Read loosely: the manifest is what a plugin process reported, stored as it came.
    const [plugin] = await db.query<{ manifest: Partial<Pick<Manifest, 'integrations'>> | null }>(
      'SELECT manifest FROM plugins WHERE id = $1',
      [pluginId],
    );
    if (plugin === undefined) {
      throw new PlatformError('PLAT_PLUGIN_NOT_FOUND', `no plugin ${pluginId}`);
    }
    if (plugin.manifest === null) {
      throw new PlatformError(
        'PLAT_PLUGIN_NOT_READY',
        `plugin ${pluginId} has not started yet, so its integrations are not known; retry once it is running`,
      );
    }
    const declared = plugin.manifest.integrations ?? [];
    const found = declared.find((i) => i.name === integration);
    if (found === undefined) {
      throw new PlatformError(
        'PLAT_NOT_FOUND',
        `plugin ${pluginId} declares no integration ${integration}`,
        { details: { available: declared.map((i) => i.name) } },
      );
    }
    return found;
  };

  const ready = async (target: CredentialTarget, data: CredentialData) => {
    const answer = await pluginServer.pluginCall(
      target.pluginId,
      `integrations/${encodeURIComponent(target.integration)}/ready`,
      { credentials: data },
    );
    if (!answer.ok) {
      return refusalOf(answer.failure);
    }
    const parsed = integrationReadyResponseSchema.safeParse(answer.body);
    if (!parsed.success) {
      throw new PlatformError(
        'PLAT_PLUGIN_SERVER_ERROR',
        `plugin ${target.pluginId}'s ready check answered in an unexpected shape: ${parsed.error.message}`,
      );
    }
    return parsed.data;
  };

  return {
    declaration,
    ready,
    async accept(target, data) {
      const { credentials: schema } = await declaration(target);
      const issues = checkAgainstSchema(schema, data);
      if (issues.length > 0) {
        throw new PlatformError(
          'PLAT_CREDENTIALS_REJECTED',
          `the credentials do not match what ${target.integration} needs: ${issues
            .map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`)
            .join('; ')}`,
          { details: { issues } },
        );
      }
      const verdict = await ready(target, data);
      if (!verdict.ready) {
        throw new PlatformError(
          'PLAT_CREDENTIALS_REJECTED',
          `plugin ${target.pluginId} says these credentials do not work for ${target.integration}${verdict.message === undefined ? '' : `: ${verdict.message}`}`,
          { details: verdict.message === undefined ? {} : { message: verdict.message } },
        );
      }
    },
  };
}

/**
 * A failed ready call: the plugin refusing the credentials' shape is a verdict; a plugin that is
 * not running (yet) is worth retrying; anything else is the Plugin Server's or plugin's fault.
 */
function refusalOf(failure: RemoteFailure): IntegrationReadyResponse {
  if (
    failure.code === 'PLUGIN_VALIDATION_FAILED' ||
    failure.code === 'PLUGIN_CREDENTIALS_MISSING'
  ) {
    return { ready: false, message: failure.message };
  }
  if (failure.retryable || [404, 409, 503].includes(failure.status)) {
    throw new PlatformError(
      'PLAT_PLUGIN_NOT_READY',
      `the plugin cannot check credentials now: ${failure.message} (${failure.code})`,
      { details: { pluginServer: failure } },
    );
  }
  throw new PlatformError(
    'PLAT_PLUGIN_SERVER_ERROR',
    `the plugin's ready check failed: ${failure.message} (${failure.code})`,
    { details: { pluginServer: failure } },
  );
}
