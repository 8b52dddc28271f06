/**
 * @module Every stored credential, and the integrations of running plugins to add more for.
 */
import type { PluginRecord } from '../api/types.ts';
import { useApi } from '../app/api-context.ts';
import { Link } from '../app/router.tsx';
import { useResource } from '../app/use-resource.ts';
import { EmptyState, ErrorMessage } from '../components/alert.tsx';
import { CredentialList } from './credential-list.tsx';
import { IntegrationCredentials } from './integration-credentials.tsx';

export function CredentialsPage() {
  const api = useApi();
  const credentials = useResource(() => api.listCredentials(), { deps: [] });
  const plugins = useResource(() => api.listPlugins(), { deps: [] });
  const withIntegrations = (plugins.data ?? []).filter(
    (p): p is PluginRecord & { manifest: NonNullable<PluginRecord['manifest']> } =>
      p.manifest !== undefined && p.manifest.integrations.length > 0,
  );
  return (
    <section aria-labelledby="credentials-title">
      <header className="page-header">
        <h1 id="credentials-title">Credentials</h1>
      </header>
      <p className="muted">
        Stored encrypted by the platform and checked by the plugin before they are kept; they are
        never shown again.
      </p>
      <ErrorMessage error={credentials.error ?? plugins.error} />
      <h2>Stored</h2>
      {credentials.data === undefined ? null : (
        <CredentialList
          credentials={credentials.data}
          showOwner
          onChanged={() => void credentials.reload()}
        />
      )}
      <h2>Integrations</h2>
      {plugins.data !== undefined && withIntegrations.length === 0 ? (
        <EmptyState title="No running plugin declares an integration">
          <p>
            Plugins such as <Link to="/plugins">http-request</Link> bring integrations once they
            run.
          </p>
        </EmptyState>
      ) : null}
      {withIntegrations.map((p) =>
        p.manifest.integrations.map((integration) => (
          <div key={`${p.id}/${integration.name}`}>
            <p className="small muted">{p.manifest.displayName}</p>
            <IntegrationCredentials pluginId={p.id} integration={integration} />
          </div>
        )),
      )}
    </section>
  );
}
