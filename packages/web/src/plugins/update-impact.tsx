/**
 * @module What making another version of a plugin current would change, before anything moves:
 * the saved workflows it reaches, node by node (whether the node moves to the new version or stays
 * on the version its range pins), each change with what in the workflow it reaches; the changes
 * the operator fixes (config, integrations); and every breaking change between the two versions.
 */
import type { UpdateImpact } from '../api/types.ts';
import { Link } from '../app/router.tsx';

type Change = UpdateImpact['changes'][number];

export function ImpactSummary({ impact }: { impact: UpdateImpact }) {
  const { fromVersion, toVersion } = impact;
  const nodes = impact.workflows.reduce((n, w) => n + w.nodes.length, 0);
  return (
    <div className="impact" data-testid="update-impact">
      <p>
        From <strong>{fromVersion}</strong> to <strong>{toVersion}</strong>:{' '}
        {impact.changes.length === 0
          ? 'no breaking change between the two versions.'
          : `${plural(impact.changes.length, 'breaking change')} between the two versions.`}
      </p>
      {impact.breaks > 0 ? (
        <div className="alert alert-error" role="alert" data-testid="impact-breaks">
          <strong>
            Making {toVersion} current breaks {plural(impact.breaks, 'node')}
          </strong>{' '}
          of the workflows below: they move to {toVersion} and fail until they are fixed.
        </div>
      ) : null}

      <h3>Affected workflows</h3>
      {impact.workflows.length === 0 ? (
        <p className="muted" data-testid="impact-no-workflows">
          No saved workflow uses what changes.
        </p>
      ) : (
        <>
          <p className="muted small">
            {plural(nodes, 'node')} in {plural(impact.workflows.length, 'workflow')}. A node pinned
            to a range that does not take {toVersion} stays on its version until its workflow is
            upgraded.
          </p>
          <ul className="impact-workflows" aria-label="Affected workflows">
            {impact.workflows.map((workflow) => (
              <li key={workflow.id} data-impact-workflow={workflow.id}>
                <Link to={`/workflows/${encodeURIComponent(workflow.id)}`}>{workflow.name}</Link>
                <ul className="impact-nodes">
                  {workflow.nodes.map((node) => (
                    <li key={node.nodeId} data-impact-node={node.nodeId}>
                      <code>{node.nodeId}</code> <code className="small muted">{node.type}</code>{' '}
                      {node.moves ? (
                        <span className="badge badge-error" data-moves="true">
                          moves to {toVersion}
                        </span>
                      ) : (
                        <span className="badge badge-kept" data-moves="false">
                          stays on {node.runsOn ?? fromVersion} (pinned)
                        </span>
                      )}
                      <ChangeList changes={node.changes} />
                    </li>
                  ))}
                </ul>
              </li>
            ))}
          </ul>
        </>
      )}

      {impact.operator.length === 0 ? null : (
        <>
          <h3>For the operator</h3>
          <ChangeList changes={impact.operator} label="Changes for the operator" />
        </>
      )}

      {impact.changes.length === 0 ? null : (
        <details>
          <summary>Every breaking change ({impact.changes.length})</summary>
          <ChangeList changes={impact.changes} label="Every breaking change" />
        </details>
      )}
    </div>
  );
}

function ChangeList(props: { changes: readonly (Change & { reason?: string })[]; label?: string }) {
  return (
    <ul className="impact-changes" aria-label={props.label}>
      {props.changes.map((change, i) => (
        <li key={`${String(i)}:${change.message}`} data-change-kind={change.kind}>
          <span className={change.severity === 'breaking' ? 'error-text' : 'warn-text'}>
            {change.severity === 'breaking' ? 'breaking' : 'possibly breaking'}
          </span>
          {change.node === undefined ? null : (
            <>
              {' '}
              <code className="small">{change.node}</code>
            </>
          )}
          : {change.message}
          {change.reason === undefined ? null : (
            <span className="muted small impact-reason"> — {change.reason}</span>
          )}
        </li>
      ))}
    </ul>
  );
}

function plural(count: number, word: string): string {
  return `${String(count)} ${word}${count === 1 ? '' : 's'}`;
}
