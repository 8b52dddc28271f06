/**
 * @module Starting a run: one field per workflow input (its `core/input` nodes), files uploaded
 * first, then the run queued and followed on its own page.
 */
import { useState, type SyntheticEvent } from 'react';
import { ApiError } from '../api/http.ts';
import type { Workflow } from '../api/types.ts';
import { useApi } from '../app/api-context.ts';
import { navigate } from '../app/router.tsx';
import { ErrorMessage } from '../components/alert.tsx';
import { Modal } from '../components/modal.tsx';

interface WorkflowInput {
  readonly name: string;
  readonly type: string;
  readonly required: boolean;
  readonly description: string;
  readonly default: unknown;
}

function inputsOf(workflow: Workflow): WorkflowInput[] {
  return workflow.graph.nodes
    .filter((n) => n.type === 'core/input')
    .map((n) => {
      const c = n.config;
      return {
        name: typeof c['name'] === 'string' ? c['name'] : n.id,
        type: typeof c['type'] === 'string' ? c['type'] : 'any',
        required: c['required'] !== false && c['default'] === undefined,
        description: typeof c['description'] === 'string' ? c['description'] : '',
        default: c['default'],
      };
    });
}

export function RunDialog(props: { workflow: Workflow; onClose: () => void }) {
  const api = useApi();
  const inputs = inputsOf(props.workflow);
  const [values, setValues] = useState<Record<string, string | boolean | File>>({});
  const [error, setError] = useState<unknown>(undefined);
  const [busy, setBusy] = useState(false);

  const submit = async (event: SyntheticEvent) => {
    event.preventDefault();
    setBusy(true);
    setError(undefined);
    try {
      const body: Record<string, unknown> = {};
      for (const input of inputs) {
        const value = values[input.name];
        if (value === undefined || value === '') {
          continue;
        }
        body[input.name] = await toInputValue(input.type, value, (file) =>
          api.uploadFile(file, () => undefined),
        );
      }
      const run = await api.startRun(props.workflow.id, body);
      navigate(`/runs/${encodeURIComponent(run.id)}`);
    } catch (caught) {
      setError(caught);
    } finally {
      setBusy(false);
    }
  };

  return (
    <Modal title={`Run ${props.workflow.name}`} onClose={props.onClose}>
      <form className="form modal-body" onSubmit={(e) => void submit(e)}>
        {inputs.length === 0 ? <p className="muted">This workflow takes no inputs.</p> : null}
        {inputs.map((input) => {
          const id = `run-input-${input.name}`;
          const value = values[input.name];
          const set = (v: string | boolean | File) => {
            setValues({ ...values, [input.name]: v });
          };
          return (
            <div
              className={input.type === 'boolean' ? 'field field-check' : 'field'}
              key={input.name}
            >
              {input.type === 'boolean' ? (
                <input
                  id={id}
                  type="checkbox"
                  checked={value === true}
                  onChange={(e) => {
                    set(e.target.checked);
                  }}
                />
              ) : null}
              <label htmlFor={id}>
                {input.name}
                {input.required ? <span aria-hidden="true"> *</span> : null}
                <span className="muted small"> ({input.type})</span>
              </label>
              {input.type === 'file' ? (
                <input
                  id={id}
                  type="file"
                  required={input.required}
                  onChange={(e) => {
                    const file = e.target.files?.[0];
                    if (file !== undefined) {
                      set(file);
                    }
                  }}
                />
              ) : input.type === 'boolean' ? null : input.type === 'object' ||
                input.type === 'array' ||
                input.type === 'any' ? (
                <textarea
                  id={id}
                  rows={3}
                  required={input.required}
                  value={typeof value === 'string' ? value : ''}
                  placeholder="JSON, or plain text"
                  onChange={(e) => {
                    set(e.target.value);
                  }}
                />
              ) : (
                <input
                  id={id}
                  type={input.type === 'number' ? 'number' : 'text'}
                  step="any"
                  required={input.required}
                  value={typeof value === 'string' ? value : ''}
                  placeholder={
                    input.default === undefined ? '' : `default: ${JSON.stringify(input.default)}`
                  }
                  onChange={(e) => {
                    set(e.target.value);
                  }}
                />
              )}
              {input.description === '' ? null : <p className="help">{input.description}</p>}
            </div>
          );
        })}
        <ErrorMessage error={error} title="The run was not started" />
        {error instanceof ApiError && error.issues.length > 0 ? (
          <ul className="issues">
            {error.issues.map((i) => (
              <li key={`${i.path.join('.')}:${i.message}`}>{i.message}</li>
            ))}
          </ul>
        ) : null}
        <footer className="form-actions">
          <button type="button" onClick={props.onClose}>
            Cancel
          </button>
          <button type="submit" className="button-primary" disabled={busy}>
            {busy ? 'Starting…' : 'Start run'}
          </button>
        </footer>
      </form>
    </Modal>
  );
}

async function toInputValue(
  type: string,
  value: string | boolean | File,
  upload: (file: File) => Promise<unknown>,
): Promise<unknown> {
  if (value instanceof File) {
    return upload(value);
  }
  if (typeof value === 'boolean' || type === 'string') {
    return value;
  }
  if (type === 'number') {
    return Number(value);
  }
  try {
    return JSON.parse(value);
  } catch {
    return value;
  }
}
