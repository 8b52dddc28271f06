/**
 * @module Update a plugin: another version of its source, or a new archive for an uploaded one.
 * The running version serves until the new one runs.
 */
import { useState, type SyntheticEvent } from 'react';
import type { PluginRecord, PluginSource } from '../api/types.ts';
import { useApi } from '../app/api-context.ts';
import { ErrorMessage } from '../components/alert.tsx';
import { Modal } from '../components/modal.tsx';

export function UpdateDialog(props: {
  plugin: PluginRecord;
  onClose: () => void;
  onUpdated: () => void;
}) {
  const api = useApi();
  const [version, setVersion] = useState('');
  const [file, setFile] = useState<File | undefined>(undefined);
  const [error, setError] = useState<unknown>(undefined);
  const [busy, setBusy] = useState(false);
  const uploaded = props.plugin.source['type'] === 'upload';

  const submit = async (event: SyntheticEvent) => {
    event.preventDefault();
    setBusy(true);
    setError(undefined);
    try {
      let source: PluginSource | undefined;
      if (file !== undefined) {
        const stored = await api.uploadFile(file, () => undefined);
        source = { type: 'upload', fileId: stored.id };
      }
      await api.updatePlugin(props.plugin.id, {
        ...(source === undefined ? {} : { source }),
        ...(version.trim() === '' ? {} : { version: version.trim() }),
      });
      props.onUpdated();
    } catch (caught) {
      setError(caught);
    } finally {
      setBusy(false);
    }
  };

  return (
    <Modal title={`Update ${props.plugin.id}`} onClose={props.onClose}>
      <form className="form modal-body" onSubmit={(e) => void submit(e)}>
        {uploaded ? (
          <div className="field">
            <label htmlFor="update-file">New archive (.tar.gz)</label>
            <input
              id="update-file"
              type="file"
              accept=".tar.gz,.tgz,application/gzip"
              onChange={(e) => {
                setFile(e.target.files?.[0]);
              }}
            />
          </div>
        ) : (
          <div className="field">
            <label htmlFor="update-version">Version</label>
            <input
              id="update-version"
              value={version}
              placeholder="latest"
              onChange={(e) => {
                setVersion(e.target.value);
              }}
            />
            <p className="help">Empty: the newest the source offers.</p>
          </div>
        )}
        <ErrorMessage error={error} title="Update failed" />
        <footer className="form-actions">
          <button type="button" onClick={props.onClose}>
            Cancel
          </button>
          <button
            type="submit"
            className="button-primary"
            disabled={busy || (uploaded && file === undefined)}
          >
            Update
          </button>
        </footer>
      </form>
    </Modal>
  );
}
