/**
 * @module Recent runs, newest first (of one workflow with `?workflow=<id>`).
 */
import { useApi } from '../app/api-context.ts';
import { Link } from '../app/router.tsx';
import { useResource } from '../app/use-resource.ts';
import { EmptyState, ErrorMessage } from '../components/alert.tsx';
import { StatusBadge } from '../components/status-badge.tsx';
import { formatDuration } from './format.ts';

const REFRESH_MS = 3000;

export function RunsPage() {
  const api = useApi();
  const workflowId = new URLSearchParams(location.search).get('workflow') ?? undefined;
  const runs = useResource(() => api.listRuns(workflowId), {
    deps: [workflowId],
    refreshMs: REFRESH_MS,
  });
  const workflows = useResource(() => api.listWorkflows(), { deps: [] });
  const names = new Map((workflows.data ?? []).map((w) => [w.id, w.name]));
  return (
    <section aria-labelledby="runs-title">
      <header className="page-header">
        <h1 id="runs-title">
          Runs{workflowId === undefined ? '' : ` of ${names.get(workflowId) ?? workflowId}`}
        </h1>
      </header>
      <ErrorMessage error={runs.error} title="Could not load the runs" />
      {runs.data !== undefined && runs.data.length === 0 ? (
        <EmptyState title="No runs yet">
          <p>
            Run a workflow from the <Link to="/workflows">workflows</Link> page.
          </p>
        </EmptyState>
      ) : null}
      {runs.data === undefined || runs.data.length === 0 ? null : (
        <table className="table">
          <caption className="visually-hidden">Runs</caption>
          <thead>
            <tr>
              <th scope="col">Run</th>
              <th scope="col">Workflow</th>
              <th scope="col">Status</th>
              <th scope="col">Started</th>
              <th scope="col">Took</th>
            </tr>
          </thead>
          <tbody>
            {runs.data.map((r) => (
              <tr key={r.id}>
                <td>
                  <Link to={`/runs/${encodeURIComponent(r.id)}`}>{r.id}</Link>
                </td>
                <td>{names.get(r.workflowId) ?? r.workflowId}</td>
                <td>
                  <StatusBadge status={r.status} />
                </td>
                <td>{new Date(r.createdAt).toLocaleString()}</td>
                <td>{formatDuration(r.startedAt, r.finishedAt)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </section>
  );
}
