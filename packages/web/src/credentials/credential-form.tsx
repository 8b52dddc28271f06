/**
 * @module New credentials for one integration: the form from its credential schema (secrets as
 * password fields), stored only once the plugin's ready check accepts them.
 */
import { useState, type SyntheticEvent } from 'react';
import { ApiError } from '../api/http.ts';
import type { Credential, IntegrationManifest } from '../api/types.ts';
import { useApi } from '../app/api-context.ts';
import { ErrorMessage } from '../components/alert.tsx';
import { errorsFromIssues, SchemaForm, type FieldErrors } from '../components/schema-form.tsx';

export function CredentialForm(props: {
  pluginId: string;
  integration: IntegrationManifest;
  onSaved: (credential: Credential) => void;
}) {
  const api = useApi();
  const [name, setName] = useState('');
  const [data, setData] = useState<Record<string, unknown>>({});
  const [errors, setErrors] = useState<FieldErrors>({});
  const [error, setError] = useState<unknown>(undefined);
  const [busy, setBusy] = useState(false);
  const nameId = `cred-name-${props.pluginId}-${props.integration.name}`;

  const submit = async (event: SyntheticEvent) => {
    event.preventDefault();
    setBusy(true);
    setError(undefined);
    setErrors({});
    try {
      const saved = await api.createCredential(
        { pluginId: props.pluginId, integration: props.integration.name },
        { name: name.trim(), data },
      );
      // The form is emptied: secrets never stay in the page longer than needed.
      setName('');
      setData({});
      props.onSaved(saved);
    } catch (caught) {
      if (caught instanceof ApiError) {
        setErrors(errorsFromIssues(caught.issues, ['data']));
      }
      setError(caught);
    } finally {
      setBusy(false);
    }
  };

  return (
    <form
      className="form"
      onSubmit={(e) => void submit(e)}
      aria-label={`New ${props.integration.displayName} credentials`}
    >
      <div className="field">
        <label htmlFor={nameId}>Name *</label>
        <input
          id={nameId}
          required
          value={name}
          placeholder="e.g. production"
          onChange={(e) => {
            setName(e.target.value);
          }}
        />
      </div>
      <SchemaForm
        key={busy ? 'busy' : 'idle'}
        schema={props.integration.credentials}
        value={data}
        onChange={setData}
        errors={errors}
      />
      <ErrorMessage error={error} title="The credentials were not stored" />
      <footer className="form-actions">
        <button type="submit" className="button-primary" disabled={busy}>
          {busy ? 'Checking…' : 'Check and save'}
        </button>
      </footer>
    </form>
  );
}
