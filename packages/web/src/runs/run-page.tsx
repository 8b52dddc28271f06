/**
 * @module One run, live: its status and every node's progress from the run's event stream,
 * outputs (files downloadable), errors with the plugin's own message, timing, and cancel.
 */
import { useEffect, useState } from 'react';
import type { Run } from '../api/types.ts';
import { useApi } from '../app/api-context.ts';
import { Link } from '../app/router.tsx';
import { useResource } from '../app/use-resource.ts';
import { ErrorMessage } from '../components/alert.tsx';
import { StatusBadge } from '../components/status-badge.tsx';
import { formatDuration, formatMs } from './format.ts';
import { ValueView } from './value-view.tsx';

const RECONNECT_MS = 1000;

export function RunPage({ id }: { id: string }) {
  const api = useApi();
  const { run, error } = useLiveRun(id);
  const workflow = useResource(
    () => (run === undefined ? Promise.resolve(undefined) : api.getWorkflow(run.workflowId)),
    { deps: [run?.workflowId] },
  );
  const [cancelError, setCancelError] = useState<unknown>(undefined);

  if (run === undefined) {
    return error === undefined ? (
      <p className="muted">Loading…</p>
    ) : (
      <ErrorMessage error={error} title="Could not load the run" />
    );
  }
  const active = run.status === 'queued' || run.status === 'running';
  const types = new Map((workflow.data?.graph.nodes ?? []).map((n) => [n.id, n.type]));

  return (
    <section aria-labelledby="run-title">
      <header className="page-header">
        <div>
          <h1 id="run-title">Run {run.id}</h1>
          <p className="muted">
            {workflow.data === undefined ? null : (
              <Link to={`/workflows/${encodeURIComponent(run.workflowId)}`}>
                {workflow.data.name}
              </Link>
            )}{' '}
            · started {new Date(run.createdAt).toLocaleString()} · took{' '}
            {formatDuration(run.startedAt, run.finishedAt)}
          </p>
        </div>
        <div className="actions">
          {active ? (
            <button
              type="button"
              className="button-danger"
              disabled={run.cancelRequested}
              onClick={() => {
                setCancelError(undefined);
                api.cancelRun(run.id).catch((caught: unknown) => {
                  setCancelError(caught);
                });
              }}
            >
              {run.cancelRequested ? 'Cancelling…' : 'Cancel run'}
            </button>
          ) : null}
        </div>
      </header>
      <div className="status-line" aria-live="polite" data-run-status={run.status}>
        Status: <StatusBadge status={run.status} />
      </div>
      <ErrorMessage error={cancelError} />
      <ErrorMessage error={error} title="Live updates interrupted" />
      {run.error === undefined ? null : (
        <div className="alert alert-error" role="alert">
          <strong>
            {run.error.nodeId === undefined ? 'Failed' : `Node ${run.error.nodeId} failed`}
          </strong>{' '}
          <code>{run.error.code}</code>: {run.error.message}
        </div>
      )}

      <section className="panel" aria-labelledby="outputs-title">
        <h2 id="outputs-title">Outputs</h2>
        {run.outputs === undefined || Object.keys(run.outputs).length === 0 ? (
          <p className="muted">{active ? 'Not yet.' : 'None.'}</p>
        ) : (
          <dl className="facts" aria-label="Run outputs">
            {Object.entries(run.outputs).map(([name, value]) => (
              <div key={name} className="fact" data-output={name}>
                <dt>{name}</dt>
                <dd>
                  <ValueView value={value} />
                </dd>
              </div>
            ))}
          </dl>
        )}
      </section>

      <section className="panel" aria-labelledby="nodes-progress-title">
        <h2 id="nodes-progress-title">Nodes</h2>
        <table className="table">
          <thead>
            <tr>
              <th scope="col">Node</th>
              <th scope="col">Status</th>
              <th scope="col">Took</th>
              <th scope="col">Outputs or error</th>
            </tr>
          </thead>
          <tbody>
            {run.nodes.map((node) => (
              <tr key={node.nodeId} data-node-run={node.nodeId}>
                <td>
                  <strong>{node.nodeId}</strong>
                  <div className="muted small">{types.get(node.nodeId) ?? ''}</div>
                </td>
                <td>
                  <StatusBadge status={node.status} />
                </td>
                <td>{formatMs(node.durationMs)}</td>
                <td>
                  {node.error === undefined ? null : (
                    <p className="error-text">
                      <code>{node.error.code}</code>: {node.error.message}
                    </p>
                  )}
                  {node.outputs === undefined ? null : (
                    <details>
                      <summary>{Object.keys(node.outputs).join(', ') || 'no outputs'}</summary>
                      <ValueView value={node.outputs} />
                    </details>
                  )}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </section>
      <section className="panel" aria-labelledby="inputs-title">
        <h2 id="inputs-title">Inputs</h2>
        <ValueView value={run.inputs} />
      </section>
    </section>
  );
}

/** The run, kept current from its event stream (resumed after drops with Last-Event-ID). */
function useLiveRun(id: string): { run: Run | undefined; error: unknown } {
  const api = useApi();
  const [run, setRun] = useState<Run | undefined>(undefined);
  const [error, setError] = useState<unknown>(undefined);
  useEffect(() => {
    const controller = new AbortController();
    const { signal } = controller;
    // Read through a function: the abort happens while this effect's promises wait.
    const stopped = () => signal.aborted;
    const refresh = async () => {
      const latest = await api.getRun(id);
      if (!signal.aborted) {
        setRun(latest);
      }
      return latest;
    };
    const follow = async () => {
      let lastEventId: string | undefined;
      let current = await refresh();
      while (!signal.aborted && (current.status === 'queued' || current.status === 'running')) {
        // Everything inside the try: a platform that is restarting fails the refresh too, and
        // the page keeps retrying until it is back rather than giving up.
        try {
          for await (const event of api.runEvents(id, { lastEventId, signal })) {
            lastEventId = event.id ?? lastEventId;
            setError(undefined);
            current = await refresh();
            if (event.event === 'run.finished') {
              break;
            }
          }
          current = await refresh();
          setError(undefined);
        } catch (caught) {
          if (stopped()) {
            return;
          }
          setError(caught);
          await new Promise((r) => setTimeout(r, RECONNECT_MS));
        }
      }
    };
    follow().catch((caught: unknown) => {
      if (!signal.aborted) {
        setError(caught);
      }
    });
    return () => {
      controller.abort();
    };
  }, [api, id]);
  return { run, error };
}
