/**
 * @module A workflow's problems as a list: each one about a node is a button that selects it.
 */
import type { WorkflowIssue } from '../api/types.ts';

export function IssueList(props: {
  issues: readonly WorkflowIssue[];
  label: string;
  /** Whether the node's id is written before the message (when the message may not name it). */
  withNodeId?: boolean;
  onSelectNode: (id: string) => void;
}) {
  return (
    <ul className="issues" aria-label={props.label}>
      {props.issues.map((issue, i) => (
        <li key={`${String(i)}:${issue.message}`}>
          {issue.nodeId === undefined ? (
            issue.message
          ) : (
            <button
              type="button"
              className="link-button"
              onClick={() => {
                props.onSelectNode(issue.nodeId ?? '');
              }}
            >
              {props.withNodeId === true ? `${issue.nodeId}: ${issue.message}` : issue.message}
            </button>
          )}
        </li>
      ))}
    </ul>
  );
}
