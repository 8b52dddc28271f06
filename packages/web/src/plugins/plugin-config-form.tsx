/**
 * @module A plugin's configuration form, generated from its config schema. The platform knows
 * the schema once the plugin has run; before that (a plugin waiting for configuration) it is read
 * from the uploaded archive, or, failing that, the fields the plugin's own reason names are asked.
 */
import { useEffect, useState, type SyntheticEvent } from 'react';
import { ApiError } from '../api/http.ts';
import type { JsonSchema, PluginRecord } from '../api/types.ts';
import { useApi } from '../app/api-context.ts';
import { ErrorMessage } from '../components/alert.tsx';
import {
  errorsFromIssues,
  propertiesOf,
  SchemaForm,
  type FieldErrors,
} from '../components/schema-form.tsx';
import { manifestInArchive } from './archive-manifest.ts';

const REASON_PREFIX = 'the plugin needs configuration: ';

export function PluginConfigForm({ plugin }: { plugin: PluginRecord }) {
  const api = useApi();
  const schema = useConfigSchema(plugin);
  const [value, setValue] = useState<Record<string, unknown>>(plugin.config);
  const [errors, setErrors] = useState<FieldErrors>({});
  const [error, setError] = useState<unknown>(undefined);
  const [saved, setSaved] = useState(false);
  const [busy, setBusy] = useState(false);

  // The plugin's own verdict on the stored config arrives with its status.
  const reasonErrors = plugin.status === 'missing_config' ? errorsFromReason(plugin.reason) : {};
  const shownErrors = Object.keys(errors).length > 0 ? errors : reasonErrors;

  const submit = async (event: SyntheticEvent) => {
    event.preventDefault();
    setBusy(true);
    setError(undefined);
    setErrors({});
    setSaved(false);
    try {
      const updated = await api.configurePlugin(plugin.id, value);
      setValue(updated.config);
      setSaved(true);
    } catch (caught) {
      if (caught instanceof ApiError && caught.issues.length > 0) {
        setErrors(errorsFromIssues(caught.issues, ['config']));
      }
      setError(caught);
    } finally {
      setBusy(false);
    }
  };

  if (schema === undefined) {
    return <p className="muted">Loading the configuration form…</p>;
  }
  return (
    <form className="form" onSubmit={(e) => void submit(e)} aria-label="Plugin configuration">
      <SchemaForm schema={schema} value={value} onChange={setValue} errors={shownErrors} />
      <ErrorMessage error={error} title="The configuration was not saved" />
      {saved && plugin.status !== 'missing_config' ? (
        <p role="status" className="success-text">
          Saved.
        </p>
      ) : null}
      {saved && plugin.status === 'missing_config' ? (
        <p role="status" className="muted">
          Saved; the plugin is checking it…
        </p>
      ) : null}
      <footer className="form-actions">
        <button type="submit" className="button-primary" disabled={busy}>
          {busy ? 'Saving…' : 'Save configuration'}
        </button>
      </footer>
    </form>
  );
}

function useConfigSchema(plugin: PluginRecord): JsonSchema | undefined {
  const api = useApi();
  const known = plugin.manifest?.config;
  const fileId = plugin.source['type'] === 'upload' ? String(plugin.source['fileId']) : undefined;
  const [fromArchive, setFromArchive] = useState<JsonSchema | undefined | null>(null);
  useEffect(() => {
    if (known !== undefined || fileId === undefined) {
      setFromArchive(undefined);
      return;
    }
    let cancelled = false;
    void api
      .downloadFile(fileId)
      .then(manifestInArchive)
      .catch(() => undefined)
      .then((manifest) => {
        if (!cancelled) {
          setFromArchive(manifest?.config);
        }
      });
    return () => {
      cancelled = true;
    };
  }, [api, known, fileId]);
  if (known !== undefined) {
    return known;
  }
  if (fromArchive === null) {
    return undefined;
  }
  if (fromArchive !== undefined && propertiesOf(fromArchive).length > 0) {
    return fromArchive;
  }
  // Last resort: a text field for every setting the plugin says is wrong or missing.
  const named = Object.keys(errorsFromReason(plugin.reason)).filter((k) => k !== '');
  const existing = Object.keys(plugin.config);
  return {
    type: 'object',
    properties: Object.fromEntries([...new Set([...named, ...existing])].map((k) => [k, {}])),
  };
}

/** `the plugin needs configuration: a: msg; b.c: msg` as field errors. */
function errorsFromReason(reason: string | undefined): Record<string, string> {
  if (reason?.startsWith(REASON_PREFIX) !== true) {
    return {};
  }
  const errors: Record<string, string> = {};
  for (const part of reason.slice(REASON_PREFIX.length).split('; ')) {
    const colon = part.indexOf(': ');
    if (colon > 0) {
      const path = part.slice(0, colon);
      errors[path === '(config)' ? '' : path] = part.slice(colon + 2);
    }
  }
  return errors;
}
