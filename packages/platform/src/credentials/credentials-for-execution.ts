/**
 * @module Which credentials a node execution receives: for each integration the node declares,
 * the set the workflow chose, else the most recently updated set for that plugin's integration.
 * Nothing a node does not declare is ever sent to it.
 */
import { PlatformError } from '../errors.ts';
import type { CredentialData, CredentialsRepository } from './credentials-repository.ts';

export interface ExecutionCredentialsRequest {
  readonly pluginId: string;
  /** The integrations the node declares in its manifest. */
  readonly integrations: readonly string[];
  /** Integration → credential id, as the workflow picked them. */
  readonly chosen?: Readonly<Record<string, string>> | undefined;
}

/** Integration → its data; integrations with no credentials at all are left out. */
export async function credentialsForExecution(
  repo: CredentialsRepository,
  request: ExecutionCredentialsRequest,
): Promise<Record<string, CredentialData>> {
  const found: Record<string, CredentialData> = {};
  for (const integration of new Set(request.integrations)) {
    const chosenId = request.chosen?.[integration];
    const credential =
      chosenId === undefined
        ? await repo.openLatest(request.pluginId, integration)
        : await repo.open(chosenId);
    const fits =
      credential !== undefined &&
      credential.record.pluginId === request.pluginId &&
      credential.record.integration === integration;
    if (chosenId !== undefined && !fits) {
      throw new PlatformError(
        'PLAT_CREDENTIAL_NOT_FOUND',
        `no credentials ${chosenId} for ${request.pluginId}'s integration ${integration}`,
        { details: { credentialId: chosenId, pluginId: request.pluginId, integration } },
      );
    }
    if (credential !== undefined) {
      found[integration] = credential.data;
    }
  }
  return found;
}
