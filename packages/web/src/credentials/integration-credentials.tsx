/**
 * @module One integration of a plugin: what it is, its stored credentials, and a form for more.
 */
import { useState } from 'react';
import type { IntegrationManifest } from '../api/types.ts';
import { useApi } from '../app/api-context.ts';
import { useResource } from '../app/use-resource.ts';
import { ErrorMessage } from '../components/alert.tsx';
import { CredentialForm } from './credential-form.tsx';
import { CredentialList } from './credential-list.tsx';

export function IntegrationCredentials(props: {
  pluginId: string;
  integration: IntegrationManifest;
}) {
  const api = useApi();
  const { pluginId, integration } = props;
  const stored = useResource(
    async () =>
      (await api.listCredentials(pluginId)).filter((c) => c.integration === integration.name),
    { deps: [pluginId, integration.name] },
  );
  const [adding, setAdding] = useState(false);
  return (
    <section className="panel" aria-labelledby={`integration-${integration.name}`}>
      <h3 id={`integration-${integration.name}`}>{integration.displayName}</h3>
      {integration.description === '' ? null : <p className="muted">{integration.description}</p>}
      <ErrorMessage error={stored.error} />
      {stored.data === undefined ? null : (
        <CredentialList credentials={stored.data} onChanged={() => void stored.reload()} />
      )}
      {adding ? (
        <CredentialForm
          pluginId={pluginId}
          integration={integration}
          onSaved={() => {
            setAdding(false);
            void stored.reload();
          }}
        />
      ) : (
        <button
          type="button"
          onClick={() => {
            setAdding(true);
          }}
        >
          Add credentials
        </button>
      )}
    </section>
  );
}
