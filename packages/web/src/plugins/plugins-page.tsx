/**
 * @module The plugins list: every plugin with its live status, version, source, restarts and last
 * error, and the install dialog.
 */
import { useState } from 'react';
import type { PluginRecord } from '../api/types.ts';
import { useApi } from '../app/api-context.ts';
import { Link, navigate } from '../app/router.tsx';
import { useResource } from '../app/use-resource.ts';
import { EmptyState, ErrorMessage } from '../components/alert.tsx';
import { StatusBadge } from '../components/status-badge.tsx';
import { InstallDialog } from './install-dialog.tsx';
import { describeSource } from './source-text.ts';

/** Changes arrive live from /api/plugins/events; this slow refresh only covers a dropped stream. */
const REFRESH_MS = 10_000;

export function PluginsPage() {
  const api = useApi();
  const plugins = useResource(() => api.listPlugins(), {
    deps: [],
    refreshMs: REFRESH_MS,
    changes: (signal) => api.pluginChanges(signal),
  });
  const [installing, setInstalling] = useState(false);
  const visible = (plugins.data ?? []).filter((p) => p.status !== 'uninstalled');

  return (
    <section aria-labelledby="plugins-title">
      <header className="page-header">
        <h1 id="plugins-title">Plugins</h1>
        <button
          type="button"
          className="button-primary"
          onClick={() => {
            setInstalling(true);
          }}
        >
          Install plugin
        </button>
      </header>
      <ErrorMessage error={plugins.error} title="Could not load the plugins" />
      {plugins.loading && plugins.data === undefined ? <p className="muted">Loading…</p> : null}
      {plugins.data !== undefined && visible.length === 0 ? (
        <EmptyState title="No plugins installed yet">
          <p>Install one from the marketplace, a git repository, or an uploaded .tar.gz.</p>
        </EmptyState>
      ) : null}
      {visible.length > 0 ? <PluginTable plugins={visible} /> : null}
      {installing ? (
        <InstallDialog
          onClose={() => {
            setInstalling(false);
          }}
          onInstalled={(record) => {
            setInstalling(false);
            navigate(`/plugins/${encodeURIComponent(record.id)}`);
          }}
        />
      ) : null}
    </section>
  );
}

function PluginTable({ plugins }: { plugins: PluginRecord[] }) {
  return (
    <table className="table">
      <caption className="visually-hidden">Installed plugins</caption>
      <thead>
        <tr>
          <th scope="col">Plugin</th>
          <th scope="col">Status</th>
          <th scope="col">Version</th>
          <th scope="col">Source</th>
          <th scope="col">Restarts</th>
          <th scope="col">Last error</th>
        </tr>
      </thead>
      <tbody>
        {plugins.map((p) => (
          <tr key={p.id} data-plugin={p.id}>
            <td>
              <Link to={`/plugins/${encodeURIComponent(p.id)}`}>
                {p.manifest?.displayName ?? p.id}
              </Link>
              {p.manifest === undefined ? null : <div className="muted small">{p.id}</div>}
            </td>
            <td>
              <StatusBadge status={p.status} />
            </td>
            <td>{p.version ?? '—'}</td>
            <td className="small">{describeSource(p.source)}</td>
            <td>{p.restarts}</td>
            <td className="small error-text">
              {p.status === 'error' || p.status === 'missing_config' ? (p.reason ?? '') : ''}
            </td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}
