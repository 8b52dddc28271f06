/**
 * @module The editor's notice for nodes pinned to a range without their plugin's current version
 * (they run on another installed version, kept or, after a rollback, none): "Upgrade to X"
 * rewrites their references to the current version's range (`POST /api/workflows/{id}/upgrade`); when the graph does not fit the new version, the
 * platform says what to fix and nothing is saved. Unsaved changes go with the upgrade, so fixing
 * the graph and upgrading again is one step.
 */
import { useState } from 'react';
import { ApiError } from '../api/http.ts';
import type { Workflow, WorkflowGraph, WorkflowIssue } from '../api/types.ts';
import { useApi } from '../app/api-context.ts';
import { ErrorMessage } from '../components/alert.tsx';
import { IssueList } from './issue-list.tsx';
import type { OutdatedPlugin } from './node-pins.ts';

export interface Upgraded {
  readonly workflow: Workflow;
  readonly upgraded: readonly { nodeId: string; from: string; to: string }[];
}

export function VersionUpgrade(props: {
  outdated: readonly OutdatedPlugin[];
  /** The saved workflow; an unsaved one has nothing to upgrade yet. */
  saved: Workflow | undefined;
  graph: WorkflowGraph;
  dirty: boolean;
  onUpgraded: (result: Upgraded) => void;
  onSelectNode: (id: string) => void;
}) {
  if (props.outdated.length === 0) {
    return null;
  }
  return (
    <div className="upgrade-notices">
      {props.outdated.map((plugin) => (
        <UpgradeNotice key={plugin.pluginId} plugin={plugin} {...props} />
      ))}
    </div>
  );
}

function UpgradeNotice(props: {
  plugin: OutdatedPlugin;
  saved: Workflow | undefined;
  graph: WorkflowGraph;
  dirty: boolean;
  onUpgraded: (result: Upgraded) => void;
  onSelectNode: (id: string) => void;
}) {
  const api = useApi();
  const { plugin, saved } = props;
  const [busy, setBusy] = useState(false);
  const [issues, setIssues] = useState<readonly WorkflowIssue[]>([]);
  const [error, setError] = useState<unknown>(undefined);
  const count = plugin.nodeIds.length;

  const upgrade = async () => {
    if (saved === undefined) {
      return;
    }
    setBusy(true);
    setError(undefined);
    setIssues([]);
    try {
      props.onUpgraded(
        await api.upgradeWorkflow(saved.id, {
          pluginId: plugin.pluginId,
          version: plugin.current,
          ...(props.dirty ? { graph: props.graph } : {}),
        }),
      );
    } catch (caught) {
      if (caught instanceof ApiError && caught.issues.length > 0) {
        setIssues(caught.issues as WorkflowIssue[]);
      }
      setError(caught);
    } finally {
      setBusy(false);
    }
  };

  return (
    <div className="alert alert-warn" role="status" data-upgrade={plugin.pluginId}>
      <div className="upgrade-line">
        <span className="grow">
          {count === 1 ? '1 node' : `${String(count)} nodes`} of <strong>{plugin.pluginId}</strong>{' '}
          ({plugin.nodeIds.join(', ')}) {count === 1 ? 'is' : 'are'} pinned to{' '}
          {plugin.ranges.join(', ')}, which does not take its current version {plugin.current}:{' '}
          {count === 1 ? 'it runs' : 'they run'} on another installed version, if one the range
          takes can run.
        </span>
        <button
          type="button"
          disabled={busy || saved === undefined}
          title={saved === undefined ? 'Save the workflow first' : undefined}
          onClick={() => void upgrade()}
        >
          Upgrade to {plugin.current}
        </button>
      </div>
      {error === undefined ? null : issues.length === 0 ? (
        <ErrorMessage error={error} title={`Not upgraded to ${plugin.current}`} />
      ) : (
        <div className="upgrade-issues" role="alert">
          <strong>
            Not upgraded: the workflow does not fit {plugin.pluginId} {plugin.current}.
          </strong>{' '}
          Fix these, then upgrade again (your changes are sent with it):
          <IssueList
            issues={issues}
            label={`What to fix for ${plugin.pluginId} ${plugin.current}`}
            withNodeId
            onSelectNode={props.onSelectNode}
          />
        </div>
      )}
    </div>
  );
}
