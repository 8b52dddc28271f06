/**
 * @module The versions of a plugin its Plugin Server holds installed, newest first: which is
 * current, which stay callable for workflows pinned to them (kept), which wait to be made current
 * (staged) and which were rolled back. Any but the current one can be made current (its impact is
 * shown first); Roll back makes the kept version below the current one current at once.
 */
import { useState } from 'react';
import type { PluginRecord, PluginVersion } from '../api/types.ts';
import { useApi } from '../app/api-context.ts';
import { ErrorMessage } from '../components/alert.tsx';
import { ConfirmDialog } from '../components/modal.tsx';
import { ActivateDialog } from './activate-version.tsx';

const STATE_LABELS: Record<PluginVersion['state'], string> = {
  current: 'current',
  kept: 'kept',
  staged: 'staged',
  rolled_back: 'rolled back',
};

/**
 * The version a rollback goes to, as the Plugin Server picks it: the first kept one below the
 * current one, else the highest kept one (the list is newest first). It is sent as `to`, so the
 * version confirmed is the version rolled back to.
 */
function rollbackTarget(versions: readonly PluginVersion[]): PluginVersion | undefined {
  const current = versions.findIndex((v) => v.state === 'current');
  if (current === -1) {
    return undefined;
  }
  return (
    versions.slice(current + 1).find((v) => v.state === 'kept') ??
    versions.find((v) => v.state === 'kept')
  );
}

export function PluginVersions(props: { plugin: PluginRecord; onChanged: () => void }) {
  const api = useApi();
  const { id, versions } = props.plugin;
  const [activating, setActivating] = useState<string | undefined>(undefined);
  const [confirmRollback, setConfirmRollback] = useState(false);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(undefined);
  const target = rollbackTarget(versions);
  const current = versions.find((v) => v.state === 'current');

  const rollback = async () => {
    setConfirmRollback(false);
    setBusy(true);
    setError(undefined);
    try {
      await api.rollbackPlugin(id, target?.version);
      props.onChanged();
    } catch (caught) {
      setError(caught);
    } finally {
      setBusy(false);
    }
  };

  return (
    <section className="panel" aria-labelledby="versions-title">
      <header className="panel-header">
        <h2 id="versions-title">Versions</h2>
        <button
          type="button"
          disabled={busy || target === undefined}
          title={
            target === undefined
              ? 'No kept version to roll back to'
              : `Make ${target.version} current again`
          }
          onClick={() => {
            setConfirmRollback(true);
          }}
        >
          {target === undefined ? 'Roll back' : `Roll back to ${target.version}`}
        </button>
      </header>
      <ErrorMessage error={error} title="Not rolled back" />
      {versions.length === 0 ? (
        <p className="muted">None installed yet.</p>
      ) : (
        <table className="table" data-testid="plugin-versions">
          <caption className="visually-hidden">Installed versions of {id}</caption>
          <thead>
            <tr>
              <th scope="col">Version</th>
              <th scope="col">State</th>
              <th scope="col">Running</th>
              <th scope="col">Installed</th>
              <th scope="col">Reason</th>
              <th scope="col">
                <span className="visually-hidden">Actions</span>
              </th>
            </tr>
          </thead>
          <tbody>
            {versions.map((v) => (
              <tr key={v.version} data-version={v.version} data-state={v.state}>
                <td>
                  <code>{v.version}</code>
                </td>
                <td>
                  <span className={`badge badge-${v.state}`} data-version-state={v.state}>
                    {STATE_LABELS[v.state]}
                  </span>
                </td>
                <td>{v.running ? 'yes' : 'no'}</td>
                <td className="small">{new Date(v.installedAt).toLocaleString()}</td>
                <td className="small">{v.reason ?? ''}</td>
                <td>
                  {v.state === 'current' ? null : (
                    <button
                      type="button"
                      aria-label={`Make ${v.version} current`}
                      disabled={busy}
                      onClick={() => {
                        setActivating(v.version);
                      }}
                    >
                      Make current
                    </button>
                  )}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      {activating === undefined ? null : (
        <ActivateDialog
          pluginId={id}
          version={activating}
          onClose={() => {
            setActivating(undefined);
          }}
          onActivated={() => {
            setActivating(undefined);
            props.onChanged();
          }}
        />
      )}
      {confirmRollback && target !== undefined ? (
        <ConfirmDialog
          title={`Roll back ${id} to ${target.version}`}
          message={
            <p>
              {target.version} becomes current at once
              {current === undefined ? '' : ` in place of ${current.version}`}; the versions above
              it are marked rolled back, and no node runs on them until one is made current again.
            </p>
          }
          confirmLabel={`Roll back to ${target.version}`}
          onCancel={() => {
            setConfirmRollback(false);
          }}
          onConfirm={() => void rollback()}
        />
      ) : null}
    </section>
  );
}
