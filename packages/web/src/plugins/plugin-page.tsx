/**
 * @module One plugin: live status (with the reason and log of a failure), the configuration form
 * (first when the plugin waits for it), its installed versions, its nodes and integrations, its
 * log, and restart, update (staged, its impact shown before it is made current) and uninstall.
 */
import { useState } from 'react';
import { ApiError } from '../api/http.ts';
import type { PluginRecord } from '../api/types.ts';
import { useApi } from '../app/api-context.ts';
import { navigate } from '../app/router.tsx';
import { useResource } from '../app/use-resource.ts';
import { EmptyState, ErrorMessage } from '../components/alert.tsx';
import { ConfirmDialog } from '../components/modal.tsx';
import { propertiesOf } from '../components/schema-form.tsx';
import { StatusBadge } from '../components/status-badge.tsx';
import { IntegrationCredentials } from '../credentials/integration-credentials.tsx';
import { GrantForm } from './grant-form.tsx';
import { PluginConfigForm } from './plugin-config-form.tsx';
import { formatLine, PluginLog } from './plugin-log.tsx';
import { PluginVersions } from './plugin-versions.tsx';
import { describeSource } from './source-text.ts';
import { UpdateDialog } from './update-dialog.tsx';

/** Changes arrive live from /api/plugins/events; this slow refresh only covers a dropped stream. */
const REFRESH_MS = 10_000;

export function PluginPage({ id }: { id: string }) {
  const api = useApi();
  const plugin = useResource(() => api.getPlugin(id), {
    deps: [id],
    refreshMs: REFRESH_MS,
    changes: (signal) => api.pluginChanges(signal),
  });
  const [actionError, setActionError] = useState<unknown>(undefined);
  const [confirming, setConfirming] = useState(false);
  const [updating, setUpdating] = useState(false);

  if (plugin.error instanceof ApiError && plugin.error.status === 404) {
    return <EmptyState title={`No plugin "${id}"`}>It may have been uninstalled.</EmptyState>;
  }
  const record = plugin.data;
  if (record === undefined) {
    return (
      <>
        <ErrorMessage error={plugin.error} title="Could not load the plugin" />
        {plugin.error === undefined ? <p className="muted">Loading…</p> : null}
      </>
    );
  }
  const act = (action: () => Promise<PluginRecord>) => {
    setActionError(undefined);
    void action().then(
      () => plugin.reload(),
      (caught: unknown) => {
        setActionError(caught);
      },
    );
  };
  const gone = record.status === 'uninstalling' || record.status === 'uninstalled';
  // Without a manifest (not run yet) the schema is unknown: show what is stored, if anything.
  const hasConfig =
    record.manifest === undefined
      ? Object.keys(record.config).length > 0
      : propertiesOf(record.manifest.config).length > 0;

  return (
    <section aria-labelledby="plugin-title">
      <header className="page-header">
        <div>
          <h1 id="plugin-title">{record.manifest?.displayName ?? record.id}</h1>
          <p className="muted">
            {record.id} · {record.version === undefined ? 'version unknown' : `v${record.version}`}
          </p>
        </div>
        <div className="actions">
          <button
            type="button"
            disabled={gone}
            onClick={() => {
              act(() => api.restartPlugin(id));
            }}
          >
            Restart
          </button>
          <button
            type="button"
            disabled={gone}
            onClick={() => {
              setUpdating(true);
            }}
          >
            Update…
          </button>
          <button
            type="button"
            className="button-danger"
            disabled={gone}
            onClick={() => {
              setConfirming(true);
            }}
          >
            Uninstall
          </button>
        </div>
      </header>
      <ErrorMessage error={actionError} />
      <ErrorMessage error={plugin.error} title="Could not refresh" />

      <div className="status-line" aria-live="polite">
        Status: <StatusBadge status={record.status} />
        {record.reason === undefined || record.status === 'error' ? null : (
          <span className="muted"> {record.reason}</span>
        )}
      </div>

      {record.status === 'error' ? <FailurePanel record={record} /> : null}

      {record.status === 'missing_config' ? (
        <section className="panel panel-attention" aria-labelledby="config-needed">
          <h2 id="config-needed">Configuration needed</h2>
          <p>This plugin does not run until its configuration is complete.</p>
          <PluginConfigForm plugin={record} />
        </section>
      ) : null}

      <dl className="facts">
        <dt>Source</dt>
        <dd>{describeSource(record.source)}</dd>
        <dt>Restarts</dt>
        <dd>{record.restarts}</dd>
        <dt>Asks for</dt>
        <dd data-testid="plugin-asks">
          {record.asks.length > 0
            ? record.asks.join(', ')
            : record.manifest === undefined
              ? 'not known until it installs (the status says what it waits for)'
              : 'nothing beyond the sandbox'}
        </dd>
        <dt>Granted</dt>
        <dd data-testid="plugin-granted">{describeGrant(record.grant)}</dd>
        {record.sandbox === undefined ? null : (
          <>
            <dt>Sandbox</dt>
            <dd data-testid="plugin-sandbox">
              {record.sandbox.confined.length === 0
                ? 'not confined'
                : `confined: ${record.sandbox.confined.join(', ')}`}
              {record.sandbox.missing.map((m) => (
                <span key={m.layer} className="muted small sandbox-missing">
                  {' '}
                  missing {m.layer}: {m.why}
                </span>
              ))}
            </dd>
          </>
        )}
        <dt>Installed</dt>
        <dd>{new Date(record.createdAt).toLocaleString()}</dd>
        <dt>Last change</dt>
        <dd>{new Date(record.updatedAt).toLocaleString()}</dd>
      </dl>
      {record.manifest?.description === undefined ? null : <p>{record.manifest.description}</p>}

      {gone ? null : <PluginVersions plugin={record} onChanged={() => void plugin.reload()} />}

      {gone ? null : (
        <section className="panel" aria-labelledby="grant-title">
          <h2 id="grant-title">Permissions</h2>
          <GrantForm key={JSON.stringify(record.grant)} plugin={record} />
        </section>
      )}

      {record.status !== 'missing_config' && hasConfig && !gone ? (
        <section className="panel" aria-labelledby="config-title">
          <h2 id="config-title">Configuration</h2>
          <PluginConfigForm plugin={record} />
        </section>
      ) : null}

      <section className="panel" aria-labelledby="nodes-title">
        <h2 id="nodes-title">Nodes</h2>
        {record.manifest === undefined ? (
          <p className="muted">Known once the plugin runs.</p>
        ) : (
          <ul className="list">
            {record.manifest.nodes.map((n) => (
              <li key={n.name} className="list-row">
                <span className="grow">
                  <strong>{n.title}</strong>{' '}
                  <code className="small">{`${record.id}/${n.name}`}</code>
                  <br />
                  <span className="small muted">{n.description}</span>
                </span>
                <span className="small">
                  in: {Object.keys(propsOf(n.inputs)).join(', ') || '—'} · out:{' '}
                  {Object.keys(propsOf(n.outputs)).join(', ') || '—'}
                </span>
              </li>
            ))}
          </ul>
        )}
      </section>

      {record.manifest !== undefined && record.manifest.integrations.length > 0 ? (
        <section aria-labelledby="integrations-title">
          <h2 id="integrations-title">Integrations</h2>
          {record.manifest.integrations.map((integration) => (
            <IntegrationCredentials
              key={integration.name}
              pluginId={record.id}
              integration={integration}
            />
          ))}
        </section>
      ) : null}

      <section className="panel" aria-labelledby="log-title">
        <h2 id="log-title">Log</h2>
        <PluginLog pluginId={record.id} status={record.status} />
      </section>

      {confirming ? (
        <ConfirmDialog
          title={`Uninstall ${record.id}`}
          message={
            <p>
              Its nodes leave the registry at once; workflows that use them stop validating. Its
              stored credentials stay.
            </p>
          }
          confirmLabel="Uninstall"
          onCancel={() => {
            setConfirming(false);
          }}
          onConfirm={() => {
            setConfirming(false);
            void api.uninstallPlugin(id).then(
              () => {
                navigate('/plugins');
              },
              (caught: unknown) => {
                setActionError(caught);
              },
            );
          }}
        />
      ) : null}
      {updating ? (
        <UpdateDialog
          plugin={record}
          onClose={() => {
            setUpdating(false);
          }}
          onUpdated={() => {
            setUpdating(false);
            void plugin.reload();
          }}
        />
      ) : null}
    </section>
  );
}

function FailurePanel({ record }: { record: PluginRecord }) {
  return (
    <section className="panel panel-error" aria-labelledby="failure-title">
      <h2 id="failure-title">The plugin failed</h2>
      <p role="alert" className="error-text">
        {record.reason ?? 'No reason was reported.'}
      </p>
      {record.logTail === undefined || record.logTail.length === 0 ? null : (
        <>
          <h3>Last log lines</h3>
          <pre className="log" tabIndex={0} aria-label="Last log lines of the failure">
            {record.logTail.map(formatLine).join('\n')}
          </pre>
        </>
      )}
    </section>
  );
}

function propsOf(schema: Record<string, unknown>): Record<string, unknown> {
  const properties = schema['properties'];
  return typeof properties === 'object' && properties !== null
    ? (properties as Record<string, unknown>)
    : {};
}

function describeGrant(grant: PluginRecord['grant']): string {
  const words = [
    ...(grant.network === true ? ['network (any public host)'] : []),
    ...(typeof grant.network === 'object' ? [`network (${grant.network.hosts.join(', ')})`] : []),
    ...(grant.childProcesses === true ? ['child processes'] : []),
  ];
  return words.length === 0 ? 'nothing beyond the Plugin Server settings' : words.join(', ');
}
