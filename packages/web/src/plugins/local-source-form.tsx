/**
 * @module Install from a folder on the Plugin Server's machine: development mode only
 * (`plugboard start --dev`); the platform says so otherwise.
 */
import { useState, type SyntheticEvent } from 'react';
import type { PluginRecord } from '../api/types.ts';
import { useApi } from '../app/api-context.ts';
import { ErrorMessage, Notice } from '../components/alert.tsx';

export function LocalSourceForm({ onInstalled }: { onInstalled: (r: PluginRecord) => void }) {
  const api = useApi();
  const [id, setId] = useState('');
  const [path, setPath] = useState('');
  const [error, setError] = useState<unknown>(undefined);

  const submit = async (event: SyntheticEvent) => {
    event.preventDefault();
    setError(undefined);
    try {
      onInstalled(
        await api.installPlugin({ id: id.trim(), source: { type: 'local', path: path.trim() } }),
      );
    } catch (caught) {
      setError(caught);
    }
  };

  return (
    <form className="form" onSubmit={(e) => void submit(e)}>
      <Notice>
        For plugin development: the Plugin Server must run in dev mode (
        <code>npm start -- --dev</code>) and the folder must be on its machine.
      </Notice>
      <div className="field">
        <label htmlFor="local-id">Plugin id *</label>
        <input
          id="local-id"
          required
          value={id}
          onChange={(e) => {
            setId(e.target.value);
          }}
        />
      </div>
      <div className="field">
        <label htmlFor="local-path">Folder (absolute path) *</label>
        <input
          id="local-path"
          required
          value={path}
          placeholder="/home/me/my-plugin"
          onChange={(e) => {
            setPath(e.target.value);
          }}
        />
      </div>
      <ErrorMessage error={error} title="Install failed" />
      <footer className="form-actions">
        <button type="submit" className="button-primary">
          Install from folder
        </button>
      </footer>
    </form>
  );
}
