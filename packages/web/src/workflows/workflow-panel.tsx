/**
 * @module The editor's side panel while no node is selected: the workflow's problems (each leads
 * to its node) and its connections.
 */
import type { WorkflowGraph, WorkflowIssue } from '../api/types.ts';
import { edgeLabel } from './graph-model.ts';
import { IssueList } from './issue-list.tsx';

export function WorkflowPanel(props: {
  graph: WorkflowGraph;
  issues: readonly WorkflowIssue[];
  onRemoveEdge: (index: number) => void;
  onSelectNode: (id: string) => void;
}) {
  return (
    <aside className="side-panel" aria-labelledby="workflow-panel-title">
      <h2 id="workflow-panel-title">Workflow</h2>
      <p className="muted small">Select a node to configure it.</p>
      <h3>Problems</h3>
      {props.issues.length === 0 ? (
        <p className="muted small">None found.</p>
      ) : (
        <IssueList
          issues={props.issues}
          label="Problems of the workflow"
          onSelectNode={props.onSelectNode}
        />
      )}
      <h3>Connections</h3>
      {props.graph.edges.length === 0 ? (
        <p className="muted small">None yet.</p>
      ) : (
        <ul className="list" aria-label="Connections">
          {props.graph.edges.map((edge, index) => (
            <li key={`${edgeLabel(edge)}#${String(index)}`} className="list-row small">
              <span className="grow">{edgeLabel(edge)}</span>
              <button
                type="button"
                aria-label={`Remove connection ${edgeLabel(edge)}`}
                onClick={() => {
                  props.onRemoveEdge(index);
                }}
              >
                Remove
              </button>
            </li>
          ))}
        </ul>
      )}
    </aside>
  );
}
