/**
 * @module The side panel of the selected node: its config form from the node's schema (with the
 * plugin's dynamic options), the credentials it uses, extra inputs for nodes open to any, its
 * deadline, and its problems.
 */
import { useEffect, useState } from 'react';
import type { GraphNode, NodeConfigOptions, NodeType } from '../api/types.ts';
import { messageOf } from '../api/http.ts';
import { useApi } from '../app/api-context.ts';
import { useResource } from '../app/use-resource.ts';
import { SchemaForm, type FieldErrors } from '../components/schema-form.tsx';
import { isBehind, rangeOf } from './node-pins.ts';

const DYNAMIC_DELAY_MS = 300;

export function NodeConfigPanel(props: {
  node: GraphNode;
  type: NodeType | undefined;
  openInputs: boolean;
  issues: readonly string[];
  fieldErrors: FieldErrors;
  onChange: (node: GraphNode) => void;
  onAddInput: (name: string) => void;
  onDelete: () => void;
}) {
  const { node, type } = props;
  const config = node.config ?? {};
  const dynamic = useDynamicOptions(type, config);
  const [inputName, setInputName] = useState('');

  return (
    <aside className="side-panel" aria-labelledby="node-panel-title">
      <h2 id="node-panel-title">
        {type?.title ?? node.type} <code className="small">{node.id}</code>
      </h2>
      {type === undefined ? (
        <p className="error-text">Unknown node type {node.type}: is its plugin running?</p>
      ) : (
        <p className="muted small">{type.description}</p>
      )}
      <NodePin node={node} type={type} />
      {props.issues.length === 0 ? null : (
        <ul className="issues" aria-label="Problems of this node">
          {props.issues.map((issue) => (
            <li key={issue}>{issue}</li>
          ))}
        </ul>
      )}
      {type === undefined ? null : (
        <form
          className="form"
          aria-label={`Configuration of ${node.id}`}
          onSubmit={(e) => {
            e.preventDefault();
          }}
        >
          {dynamic.error === undefined ? null : (
            <p className="error-text small">Options could not be loaded: {dynamic.error}</p>
          )}
          {dynamic.options?.ready === false ? (
            <p className="muted small">
              {dynamic.options.message ?? 'Not ready to configure yet.'}
            </p>
          ) : null}
          <SchemaForm
            schema={type.config}
            value={config}
            onChange={(next) => {
              props.onChange({ ...node, config: next });
            }}
            errors={props.fieldErrors}
            {...(dynamic.options === undefined ? {} : { overrides: dynamic.options.fields })}
          />
          {type.origin.kind === 'plugin' && type.origin.integrations.length > 0 ? (
            <CredentialChoice
              node={node}
              pluginId={type.origin.pluginId}
              integrations={type.origin.integrations}
              onChange={props.onChange}
            />
          ) : null}
          <div className="field">
            <label htmlFor="node-timeout">Deadline (ms)</label>
            <input
              id="node-timeout"
              type="number"
              min={1}
              value={node.timeoutMs ?? ''}
              placeholder="platform default"
              onChange={(e) => {
                const rest = Object.fromEntries(
                  Object.entries(node).filter(([k]) => k !== 'timeoutMs'),
                ) as unknown as GraphNode;
                props.onChange(
                  e.target.value === '' ? rest : { ...rest, timeoutMs: Number(e.target.value) },
                );
              }}
            />
          </div>
        </form>
      )}
      {props.openInputs ? (
        <form
          className="form inline-form"
          onSubmit={(e) => {
            e.preventDefault();
            if (/^[A-Za-z_][A-Za-z0-9_]*$/.test(inputName)) {
              props.onAddInput(inputName);
              setInputName('');
            }
          }}
        >
          <label htmlFor="add-input">New input name</label>
          <input
            id="add-input"
            value={inputName}
            pattern="[A-Za-z_][A-Za-z0-9_]*"
            onChange={(e) => {
              setInputName(e.target.value);
            }}
          />
          <button type="submit">Add input</button>
        </form>
      ) : null}
      <button type="button" className="button-danger" onClick={props.onDelete}>
        Remove node
      </button>
    </aside>
  );
}

/** The plugin's dynamic config for the node as filled so far (debounced). */
/** The range a plugin node is pinned to, and whether it leaves out the plugin's current version. */
function NodePin({ node, type }: { node: GraphNode; type: NodeType | undefined }) {
  const range = rangeOf(node);
  if (range === undefined) {
    return null;
  }
  return (
    <p className="small" data-testid="node-pin">
      Pinned to <code>{range}</code>
      {isBehind(node, type) ? (
        <span className="warn-text">
          , which does not take the current version {type?.version}: it runs on another installed
          version the range takes, whose settings may differ from those below. Upgrade the workflow
          to move it.
        </span>
      ) : null}
    </p>
  );
}

function useDynamicOptions(
  type: NodeType | undefined,
  config: Record<string, unknown>,
): { options: NodeConfigOptions | undefined; error: string | undefined } {
  const api = useApi();
  const [state, setState] = useState<{ options?: NodeConfigOptions; error?: string }>({});
  const target =
    type?.origin.kind === 'plugin' && type.origin.dynamicConfig
      ? { pluginId: type.origin.pluginId, node: type.origin.node }
      : undefined;
  const key = JSON.stringify(config);
  useEffect(() => {
    if (target === undefined) {
      setState({});
      return undefined;
    }
    let cancelled = false;
    const timer = setTimeout(() => {
      api.nodeConfigOptions(target, JSON.parse(key) as Record<string, unknown>).then(
        (options) => {
          if (!cancelled) {
            setState({ options });
          }
        },
        (caught: unknown) => {
          if (!cancelled) {
            setState({ error: messageOf(caught) });
          }
        },
      );
    }, DYNAMIC_DELAY_MS);
    return () => {
      cancelled = true;
      clearTimeout(timer);
    };
    // target is derived from type; its fields are the dependency.
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [api, target?.pluginId, target?.node, key]);
  return { options: state.options, error: state.error };
}

function CredentialChoice(props: {
  node: GraphNode;
  pluginId: string;
  integrations: readonly string[];
  onChange: (node: GraphNode) => void;
}) {
  const api = useApi();
  const stored = useResource(() => api.listCredentials(props.pluginId), { deps: [props.pluginId] });
  return (
    <fieldset className="field-group">
      <legend>Credentials</legend>
      {props.integrations.map((integration) => {
        const id = `cred-${integration}`;
        const choices = (stored.data ?? []).filter((c) => c.integration === integration);
        return (
          <div className="field" key={integration}>
            <label htmlFor={id}>{integration}</label>
            <select
              id={id}
              value={props.node.credentials?.[integration] ?? ''}
              onChange={(e) => {
                const others = Object.entries(props.node.credentials ?? {}).filter(
                  ([k]) => k !== integration,
                );
                const credentials = Object.fromEntries(
                  e.target.value === '' ? others : [...others, [integration, e.target.value]],
                );
                props.onChange({ ...props.node, credentials });
              }}
            >
              <option value="">The most recently updated</option>
              {choices.map((c) => (
                <option key={c.id} value={c.id}>
                  {c.name}
                </option>
              ))}
            </select>
            {stored.data !== undefined && choices.length === 0 ? (
              <p className="help">None stored: add them on the plugin’s page.</p>
            ) : null}
          </div>
        );
      })}
    </fieldset>
  );
}
