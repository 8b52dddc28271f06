/**
 * @module Install from a git repository: URL, branch or tag, exact commit, subfolder, and a token
 * for a private repository (kept encrypted by the platform, never shown again).
 */
import { useState, type SyntheticEvent } from 'react';
import type { PluginRecord } from '../api/types.ts';
import { useApi } from '../app/api-context.ts';
import { ErrorMessage } from '../components/alert.tsx';

const FIELDS = [
  { key: 'id', label: 'Plugin id', help: 'The id in the plugin’s manifest.', required: true },
  { key: 'url', label: 'Repository URL', help: 'https://…, no credentials in it.', required: true },
  { key: 'ref', label: 'Branch or tag', help: 'Default branch when empty.', required: false },
  {
    key: 'commit',
    label: 'Commit',
    help: 'An exact commit; wins over the branch.',
    required: false,
  },
  {
    key: 'subdirectory',
    label: 'Subfolder',
    help: 'Where the plugin is in the repository.',
    required: false,
  },
  {
    key: 'token',
    label: 'Access token',
    help: 'For a private repository; stored encrypted.',
    required: false,
  },
] as const;
type Key = (typeof FIELDS)[number]['key'];

export function GitSourceForm({ onInstalled }: { onInstalled: (r: PluginRecord) => void }) {
  const api = useApi();
  const [values, setValues] = useState<Record<Key, string>>({
    id: '',
    url: '',
    ref: '',
    commit: '',
    subdirectory: '',
    token: '',
  });
  const [error, setError] = useState<unknown>(undefined);
  const [busy, setBusy] = useState(false);
  const optional = (key: Key) => (values[key].trim() === '' ? {} : { [key]: values[key].trim() });

  const submit = async (event: SyntheticEvent) => {
    event.preventDefault();
    setBusy(true);
    setError(undefined);
    try {
      onInstalled(
        await api.installPlugin({
          id: values.id.trim(),
          source: {
            type: 'git',
            url: values.url.trim(),
            ...optional('ref'),
            ...optional('commit'),
            ...optional('subdirectory'),
            ...optional('token'),
          },
        }),
      );
    } catch (caught) {
      setError(caught);
    } finally {
      setBusy(false);
    }
  };

  return (
    <form className="form" onSubmit={(e) => void submit(e)}>
      {FIELDS.map((f) => (
        <div className="field" key={f.key}>
          <label htmlFor={`git-${f.key}`}>
            {f.label}
            {f.required ? <span aria-hidden="true"> *</span> : null}
          </label>
          <input
            id={`git-${f.key}`}
            type={f.key === 'token' ? 'password' : 'text'}
            autoComplete={f.key === 'token' ? 'new-password' : 'off'}
            required={f.required}
            value={values[f.key]}
            aria-describedby={`git-${f.key}-help`}
            onChange={(e) => {
              setValues({ ...values, [f.key]: e.target.value });
            }}
          />
          <p className="help" id={`git-${f.key}-help`}>
            {f.help}
          </p>
        </div>
      ))}
      <ErrorMessage error={error} title="Install failed" />
      <footer className="form-actions">
        <button type="submit" className="button-primary" disabled={busy}>
          {busy ? 'Installing…' : 'Install from git'}
        </button>
      </footer>
    </form>
  );
}
