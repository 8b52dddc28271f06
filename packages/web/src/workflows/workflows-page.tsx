/**
 * @module Every workflow, with a way to open, run, or delete it, and to start a new one.
 */
import { useState } from 'react';
import type { Workflow } from '../api/types.ts';
import { useApi } from '../app/api-context.ts';
import { Link, navigate } from '../app/router.tsx';
import { useResource } from '../app/use-resource.ts';
import { EmptyState, ErrorMessage } from '../components/alert.tsx';
import { ConfirmDialog } from '../components/modal.tsx';
import { RunDialog } from './run-dialog.tsx';
import { DeleteButton } from '../components/delete-button.tsx';

export function WorkflowsPage() {
  const api = useApi();
  const workflows = useResource(() => api.listWorkflows(), { deps: [] });
  const [running, setRunning] = useState<Workflow | undefined>(undefined);
  const [deleting, setDeleting] = useState<Workflow | undefined>(undefined);
  const [error, setError] = useState<unknown>(undefined);
  return (
    <section aria-labelledby="workflows-title">
      <header className="page-header">
        <h1 id="workflows-title">Workflows</h1>
        <button
          type="button"
          className="button-primary"
          onClick={() => {
            navigate('/workflows/new');
          }}
        >
          New workflow
        </button>
      </header>
      <ErrorMessage error={workflows.error ?? error} />
      {workflows.data !== undefined && workflows.data.length === 0 ? (
        <EmptyState title="No workflows yet">
          <p>Build one from the nodes of the platform and of your running plugins.</p>
        </EmptyState>
      ) : null}
      {workflows.data === undefined || workflows.data.length === 0 ? null : (
        <table className="table">
          <caption className="visually-hidden">Workflows</caption>
          <thead>
            <tr>
              <th scope="col">Name</th>
              <th scope="col">Nodes</th>
              <th scope="col">Updated</th>
              <th scope="col">
                <span className="visually-hidden">Actions</span>
              </th>
            </tr>
          </thead>
          <tbody>
            {workflows.data.map((w) => (
              <tr key={w.id}>
                <td>
                  <Link to={`/workflows/${encodeURIComponent(w.id)}`}>{w.name}</Link>
                </td>
                <td>{w.graph.nodes.length}</td>
                <td>{new Date(w.updatedAt).toLocaleString()}</td>
                <td className="actions">
                  <button
                    type="button"
                    onClick={() => {
                      setRunning(w);
                    }}
                    aria-label={`Run ${w.name}`}
                  >
                    Run…
                  </button>
                  <Link to={`/runs?workflow=${encodeURIComponent(w.id)}`}>Runs</Link>
                  <DeleteButton
                    name={w.name}
                    onClick={() => {
                      setDeleting(w);
                    }}
                  />
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      {running === undefined ? null : (
        <RunDialog
          workflow={running}
          onClose={() => {
            setRunning(undefined);
          }}
        />
      )}
      {deleting === undefined ? null : (
        <ConfirmDialog
          title="Delete workflow"
          message={
            <p>
              Delete <strong>{deleting.name}</strong> and all its runs?
            </p>
          }
          confirmLabel="Delete"
          onCancel={() => {
            setDeleting(undefined);
          }}
          onConfirm={() => {
            const target = deleting;
            setDeleting(undefined);
            void api.deleteWorkflow(target.id).then(
              () => workflows.reload(),
              (caught: unknown) => {
                setError(caught);
              },
            );
          }}
        />
      )}
    </section>
  );
}
