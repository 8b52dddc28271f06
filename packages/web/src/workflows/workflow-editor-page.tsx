/**
 * @module The workflow editor: palette, canvas and side panel. Every change is checked by the
 * platform (`/api/workflows/validate`) and its problems shown on the graph; save, then run.
 */
import { useEffect, useMemo, useRef, useState } from 'react';
import { ApiError } from '../api/http.ts';
import type { GraphNode, NodeType, Workflow, WorkflowGraph, WorkflowIssue } from '../api/types.ts';
import { useApi } from '../app/api-context.ts';
import { navigate } from '../app/router.tsx';
import { useResource } from '../app/use-resource.ts';
import { ErrorMessage } from '../components/alert.tsx';
import { GraphCanvas, type Selection } from './graph-canvas.tsx';
import {
  addNode,
  connect,
  laidOut,
  newNodeId,
  nextPosition,
  portsOf,
  removeEdge,
  removeNode,
  updateNode,
  type PortRef,
} from './graph-model.ts';
import { NodeConfigPanel } from './node-config-panel.tsx';
import { isBehind, outdatedPlugins, typeOfNode } from './node-pins.ts';
import { NodePalette } from './node-palette.tsx';
import { RunDialog } from './run-dialog.tsx';
import { VersionUpgrade, type Upgraded } from './version-upgrade.tsx';
import { WorkflowPanel } from './workflow-panel.tsx';

const VALIDATE_DELAY_MS = 400;
const EMPTY: WorkflowGraph = { nodes: [], edges: [] };

export function WorkflowEditorPage({ id }: { id: string | undefined }) {
  const api = useApi();
  const registry = useResource(() => api.listNodes(), { deps: [] });
  const loaded = useResource(
    () => (id === undefined ? Promise.resolve(undefined) : api.getWorkflow(id)),
    { deps: [id] },
  );
  if (registry.error !== undefined || loaded.error !== undefined) {
    return (
      <ErrorMessage error={registry.error ?? loaded.error} title="Could not open the editor" />
    );
  }
  if (registry.data === undefined || (id !== undefined && loaded.data === undefined)) {
    return <p className="muted">Loading…</p>;
  }
  return <Editor key={id ?? 'new'} types={registry.data} initial={loaded.data} />;
}

function Editor({ types, initial }: { types: readonly NodeType[]; initial: Workflow | undefined }) {
  const api = useApi();
  const typeMap = useMemo(() => new Map(types.map((t) => [t.type, t])), [types]);
  const [saved, setSaved] = useState<Workflow | undefined>(initial);
  const [name, setName] = useState(initial?.name ?? 'Untitled workflow');
  const [graph, setGraph] = useState<WorkflowGraph>(
    initial === undefined ? EMPTY : laidOut(initial.graph),
  );
  const [extras, setExtras] = useState<Record<string, string[]>>({});
  const [selection, setSelection] = useState<Selection>(undefined);
  const [pending, setPending] = useState<PortRef | undefined>(undefined);
  const [issues, setIssues] = useState<readonly WorkflowIssue[]>([]);
  const [checking, setChecking] = useState(false);
  const [checkFailed, setCheckFailed] = useState(false);
  const [saveError, setSaveError] = useState<unknown>(undefined);
  const [dirty, setDirty] = useState(initial === undefined);
  const [running, setRunning] = useState(false);
  const [announcement, setAnnouncement] = useState('');

  const change = (next: WorkflowGraph) => {
    setGraph(next);
    setDirty(true);
  };

  useEffect(() => {
    if (graph.nodes.length === 0) {
      setIssues([]);
      setChecking(false);
      setCheckFailed(false);
      return undefined;
    }
    const controller = new AbortController();
    setChecking(true);
    const timer = setTimeout(() => {
      api.validateWorkflow(graph, controller.signal).then(
        (answer) => {
          setIssues(answer.issues);
          setChecking(false);
          setCheckFailed(false);
        },
        () => {
          // Unknown, not valid: the platform could not be asked.
          if (!controller.signal.aborted) {
            setChecking(false);
            setCheckFailed(true);
          }
        },
      );
    }, VALIDATE_DELAY_MS);
    return () => {
      clearTimeout(timer);
      controller.abort();
    };
  }, [api, graph]);

  const nodeIssues = new Map<string, string[]>();
  const edgeIssues = new Map<number, string[]>();
  for (const issue of issues) {
    if (issue.edgeIndex !== undefined) {
      edgeIssues.set(issue.edgeIndex, [...(edgeIssues.get(issue.edgeIndex) ?? []), issue.message]);
    } else if (issue.nodeId !== undefined) {
      nodeIssues.set(issue.nodeId, [...(nodeIssues.get(issue.nodeId) ?? []), issue.message]);
    }
  }

  const add = (type: NodeType) => {
    const nodeId = newNodeId(graph, type.type);
    const named = type.type === 'core/input' || type.type === 'core/output';
    const node: GraphNode = {
      id: nodeId,
      // A plugin node is saved pinned to the range of its plugin's current version.
      type: type.pin ?? type.type,
      config: named ? { name: nodeId.replace(/-/g, '_') } : {},
      position: nextPosition(graph),
    };
    change(addNode(graph, node));
    setSelection({ kind: 'node', id: nodeId });
    setAnnouncement(`Added node ${nodeId}`);
  };

  const connectPorts = (from: PortRef, to: PortRef) => {
    change(connect(graph, from, to));
    setPending(undefined);
    setAnnouncement(`Connected ${from.node}.${from.port} to ${to.node}.${to.port}`);
  };

  const savingRef = useRef(false);
  const save = async (): Promise<Workflow | undefined> => {
    // A second click while the first save is on its way would create the workflow twice.
    if (savingRef.current) {
      return undefined;
    }
    savingRef.current = true;
    setSaveError(undefined);
    const body = { name: name.trim() === '' ? 'Untitled workflow' : name.trim(), graph };
    try {
      const result =
        saved === undefined
          ? await api.createWorkflow(body)
          : await api.updateWorkflow(saved.id, body);
      setSaved(result);
      setDirty(false);
      setAnnouncement('Saved');
      if (saved === undefined) {
        navigate(`/workflows/${encodeURIComponent(result.id)}`, { replace: true });
      }
      return result;
    } catch (caught) {
      if (caught instanceof ApiError && caught.code === 'PLAT_WORKFLOW_INVALID') {
        setIssues(caught.issues as WorkflowIssue[]);
      }
      setSaveError(caught);
      return undefined;
    } finally {
      savingRef.current = false;
    }
  };

  const selectedNode =
    selection?.kind === 'node' ? graph.nodes.find((n) => n.id === selection.id) : undefined;
  const selectedType = selectedNode === undefined ? undefined : typeOfNode(typeMap, selectedNode);
  const outdated = outdatedPlugins(graph, typeMap);
  const upgraded = ({ workflow, upgraded: nodes }: Upgraded) => {
    setSaved(workflow);
    setGraph(laidOut(workflow.graph));
    setDirty(name.trim() !== workflow.name);
    setSaveError(undefined);
    setAnnouncement(
      `Upgraded ${nodes.map((n) => `${n.nodeId} from ${n.from} to ${n.to}`).join(', ')}`,
    );
  };

  return (
    <section className="editor" aria-labelledby="editor-title">
      <h1 id="editor-title" className="visually-hidden">
        Workflow editor
      </h1>
      <div className="editor-toolbar">
        <label htmlFor="workflow-name" className="visually-hidden">
          Workflow name
        </label>
        <input
          id="workflow-name"
          className="workflow-name"
          value={name}
          onChange={(e) => {
            setName(e.target.value);
            setDirty(true);
          }}
        />
        <span className="muted small" role="status">
          {checking
            ? 'Checking…'
            : graph.nodes.length === 0
              ? ''
              : checkFailed
                ? 'could not check (is the platform reachable?)'
                : issues.length === 0
                  ? '✓ valid'
                  : `${String(issues.length)} problem${issues.length === 1 ? '' : 's'}`}
          {dirty ? ' · unsaved changes' : ''}
        </span>
        <span className="grow" />
        <button type="button" className="button-primary" onClick={() => void save()}>
          Save
        </button>
        <button
          type="button"
          disabled={graph.nodes.length === 0}
          onClick={() => {
            void (dirty || saved === undefined ? save() : Promise.resolve(saved)).then((w) => {
              if (w !== undefined) {
                setRunning(true);
              }
            });
          }}
        >
          Run…
        </button>
      </div>
      <p className="visually-hidden" aria-live="polite">
        {announcement}
      </p>
      <ErrorMessage error={saveError} title="Not saved" />
      <VersionUpgrade
        outdated={outdated}
        saved={saved}
        graph={graph}
        dirty={dirty}
        onUpgraded={upgraded}
        onSelectNode={(nodeId) => {
          setSelection({ kind: 'node', id: nodeId });
        }}
      />
      {pending === undefined ? null : (
        <p className="hint" role="status">
          Connecting from {pending.node}.{pending.port}: choose an input port (Escape cancels).
        </p>
      )}
      <div className="editor-body">
        <NodePalette types={types} onAdd={add} />
        <div className="canvas-wrap">
          {graph.nodes.length === 0 ? (
            <p className="canvas-empty">
              Add nodes from the palette, then connect an output to an input.
            </p>
          ) : null}
          <GraphCanvas
            graph={graph}
            types={typeMap}
            extraInputs={extras}
            selection={selection}
            pending={pending}
            nodeIssues={nodeIssues}
            edgeIssues={edgeIssues}
            onSelect={setSelection}
            onMove={(nodeId, position) => {
              change(updateNode(graph, nodeId, (n) => ({ ...n, position })));
            }}
            onPending={setPending}
            onConnect={connectPorts}
            onDeleteNode={(nodeId) => {
              change(removeNode(graph, nodeId));
              setSelection(undefined);
            }}
            onDeleteEdge={(index) => {
              change(removeEdge(graph, index));
              setSelection(undefined);
            }}
          />
        </div>
        {selectedNode === undefined ? (
          <WorkflowPanel
            graph={graph}
            issues={issues}
            onRemoveEdge={(index) => {
              change(removeEdge(graph, index));
            }}
            onSelectNode={(nodeId) => {
              setSelection({ kind: 'node', id: nodeId });
            }}
          />
        ) : (
          <NodeConfigPanel
            key={selectedNode.id}
            node={selectedNode}
            type={selectedType}
            openInputs={
              portsOf(selectedNode, {
                type: selectedType,
                edges: graph.edges,
                extraInputs: [],
                behind: isBehind(selectedNode, selectedType),
              }).openInputs
            }
            issues={nodeIssues.get(selectedNode.id) ?? []}
            fieldErrors={configErrors(issues, selectedNode.id)}
            onChange={(node) => {
              change(updateNode(graph, selectedNode.id, () => node));
            }}
            onAddInput={(input) => {
              setExtras({
                ...extras,
                [selectedNode.id]: [...(extras[selectedNode.id] ?? []), input],
              });
            }}
            onDelete={() => {
              change(removeNode(graph, selectedNode.id));
              setSelection(undefined);
            }}
          />
        )}
      </div>
      {running && saved !== undefined ? (
        <RunDialog
          workflow={saved}
          onClose={() => {
            setRunning(false);
          }}
        />
      ) : null}
    </section>
  );
}

/** The selected node's config problems, by field (paths `nodes.<i>.config.<field>`). */
function configErrors(issues: readonly WorkflowIssue[], nodeId: string): Record<string, string> {
  const errors: Record<string, string> = {};
  for (const issue of issues) {
    if (issue.nodeId === nodeId && issue.path[2] === 'config' && issue.path.length > 3) {
      errors[issue.path.slice(3).join('.')] = issue.message;
    }
  }
  return errors;
}
