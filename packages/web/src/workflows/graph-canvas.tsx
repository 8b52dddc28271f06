/**
 * @module The graph canvas: nodes as draggable boxes, edges as SVG curves between port handles.
 * Connect by dragging from an output to an input, or (mouse or keyboard) by choosing an output
 * port, then an input port. Arrow keys move a focused node; Delete removes it or a focused edge.
 */
import { useRef, useState, type KeyboardEvent, type PointerEvent } from 'react';
import type { NodeRunStatus, NodeType, WorkflowGraph } from '../api/types.ts';
import {
  NODE_WIDTH,
  edgeLabel,
  nodeHeight,
  portPoint,
  portsOf,
  type PortRef,
  type Ports,
} from './graph-model.ts';
import { isBehind, rangeOf, typeOfNode } from './node-pins.ts';

export type Selection = { kind: 'node'; id: string } | { kind: 'edge'; index: number } | undefined;

export interface GraphCanvasProps {
  readonly graph: WorkflowGraph;
  readonly types: ReadonlyMap<string, NodeType>;
  readonly extraInputs: Readonly<Record<string, readonly string[]>>;
  readonly selection: Selection;
  /** The output chosen to connect from, waiting for an input. */
  readonly pending: PortRef | undefined;
  readonly nodeIssues: ReadonlyMap<string, readonly string[]>;
  readonly edgeIssues: ReadonlyMap<number, readonly string[]>;
  readonly nodeStatus?: ReadonlyMap<string, NodeRunStatus>;
  readonly onSelect: (selection: Selection) => void;
  readonly onMove: (id: string, position: { x: number; y: number }) => void;
  readonly onPending: (ref: PortRef | undefined) => void;
  readonly onConnect: (from: PortRef, to: PortRef) => void;
  readonly onDeleteNode: (id: string) => void;
  readonly onDeleteEdge: (index: number) => void;
}

const MOVE_STEP = 20;
const CANVAS_WIDTH = 2400;
const CANVAS_HEIGHT = 1400;

export function GraphCanvas(props: GraphCanvasProps) {
  const { graph, types } = props;
  const canvas = useRef<HTMLDivElement>(null);
  const [dragLine, setDragLine] = useState<
    { from: PortRef; start: { x: number; y: number }; end: { x: number; y: number } } | undefined
  >(undefined);
  const suppressClick = useRef(false);

  const portsById = new Map<string, Ports>(
    graph.nodes.map((n): [string, Ports] => {
      const type = typeOfNode(types, n);
      return [
        n.id,
        portsOf(n, {
          type,
          edges: graph.edges,
          extraInputs: props.extraInputs[n.id] ?? [],
          behind: isBehind(n, type),
        }),
      ];
    }),
  );
  const nodesById = new Map(graph.nodes.map((n) => [n.id, n]));

  const toCanvas = (event: { clientX: number; clientY: number }) => {
    const box = canvas.current?.getBoundingClientRect();
    return {
      x: event.clientX - (box?.left ?? 0) + (canvas.current?.scrollLeft ?? 0),
      y: event.clientY - (box?.top ?? 0) + (canvas.current?.scrollTop ?? 0),
    };
  };

  const startNodeDrag = (id: string, event: PointerEvent<HTMLElement>) => {
    if (event.button !== 0) {
      return;
    }
    const node = nodesById.get(id);
    const start = toCanvas(event);
    const origin = node?.position ?? { x: 0, y: 0 };
    const target = event.currentTarget;
    target.setPointerCapture(event.pointerId);
    const move = (e: globalThis.PointerEvent) => {
      const at = toCanvas(e);
      props.onMove(id, {
        x: Math.max(0, Math.round(origin.x + at.x - start.x)),
        y: Math.max(0, Math.round(origin.y + at.y - start.y)),
      });
    };
    const up = () => {
      target.removeEventListener('pointermove', move);
      target.removeEventListener('pointerup', up);
    };
    target.addEventListener('pointermove', move);
    target.addEventListener('pointerup', up);
  };

  const startConnectDrag = (from: PortRef, event: PointerEvent<HTMLButtonElement>) => {
    if (event.button !== 0) {
      return;
    }
    const start = toCanvas(event);
    const target = event.currentTarget;
    target.setPointerCapture(event.pointerId);
    let moved = false;
    const move = (e: globalThis.PointerEvent) => {
      const end = toCanvas(e);
      moved ||= Math.abs(end.x - start.x) + Math.abs(end.y - start.y) > 6;
      if (moved) {
        setDragLine({ from, start, end });
      }
    };
    const up = (e: globalThis.PointerEvent) => {
      target.removeEventListener('pointermove', move);
      target.removeEventListener('pointerup', up);
      setDragLine(undefined);
      if (!moved) {
        return;
      }
      suppressClick.current = true;
      const hit = document.elementFromPoint(e.clientX, e.clientY)?.closest('[data-input-port]');
      const node = hit?.getAttribute('data-node');
      const port = hit?.getAttribute('data-input-port');
      if (node !== undefined && node !== null && port !== undefined && port !== null) {
        props.onConnect(from, { node, port });
      }
    };
    target.addEventListener('pointermove', move);
    target.addEventListener('pointerup', up);
  };

  const onNodeKey = (id: string, event: KeyboardEvent<HTMLDivElement>) => {
    if (event.target !== event.currentTarget) {
      return;
    }
    const node = nodesById.get(id);
    const at = node?.position ?? { x: 0, y: 0 };
    const moves: Record<string, [number, number]> = {
      ArrowLeft: [-MOVE_STEP, 0],
      ArrowRight: [MOVE_STEP, 0],
      ArrowUp: [0, -MOVE_STEP],
      ArrowDown: [0, MOVE_STEP],
    };
    const step = moves[event.key];
    if (step !== undefined) {
      event.preventDefault();
      props.onMove(id, { x: Math.max(0, at.x + step[0]), y: Math.max(0, at.y + step[1]) });
    } else if (event.key === 'Delete' || event.key === 'Backspace') {
      event.preventDefault();
      props.onDeleteNode(id);
    } else if (event.key === 'Enter' || event.key === ' ') {
      event.preventDefault();
      props.onSelect({ kind: 'node', id });
    }
  };

  return (
    <div
      className="canvas"
      ref={canvas}
      role="application"
      aria-label="Workflow graph. Choose an output port, then an input port, to connect them."
      onKeyDown={(e) => {
        if (e.key === 'Escape') {
          props.onPending(undefined);
        }
      }}
      onPointerDown={(e) => {
        if (e.target === e.currentTarget) {
          props.onSelect(undefined);
          props.onPending(undefined);
        }
      }}
    >
      <svg className="edges" width={CANVAS_WIDTH} height={CANVAS_HEIGHT} aria-hidden={false}>
        {graph.edges.map((edge, index) => {
          const fromNode = nodesById.get(edge.from.node);
          const toNode = nodesById.get(edge.to.node);
          const fromPorts = portsById.get(edge.from.node);
          const toPorts = portsById.get(edge.to.node);
          if (!fromNode || !toNode || !fromPorts || !toPorts) {
            return null;
          }
          const a = portPoint(fromNode, fromPorts, { side: 'output', name: edge.from.output });
          const b = portPoint(toNode, toPorts, { side: 'input', name: edge.to.input });
          const issues = props.edgeIssues.get(index);
          const selected = props.selection?.kind === 'edge' && props.selection.index === index;
          const d = curve(a, b);
          return (
            <g
              key={`${edgeLabel(edge)}#${String(index)}`}
              className={`edge${issues === undefined ? '' : ' edge-invalid'}${selected ? ' edge-selected' : ''}`}
              tabIndex={0}
              role="button"
              aria-label={`Connection ${edgeLabel(edge)}${issues === undefined ? '' : `: ${issues.join('; ')}`}`}
              onClick={() => {
                props.onSelect({ kind: 'edge', index });
              }}
              onKeyDown={(e) => {
                if (e.key === 'Delete' || e.key === 'Backspace') {
                  props.onDeleteEdge(index);
                } else if (e.key === 'Enter' || e.key === ' ') {
                  props.onSelect({ kind: 'edge', index });
                }
              }}
            >
              <path d={d} className="edge-hit" />
              <path d={d} className="edge-line" />
              {issues === undefined ? null : <title>{issues.join('\n')}</title>}
            </g>
          );
        })}
        {dragLine === undefined ? null : (
          <path d={curve(dragLine.start, dragLine.end)} className="edge-drag" />
        )}
      </svg>
      {graph.nodes.map((node) => {
        const type = typeOfNode(types, node);
        const range = rangeOf(node);
        const behind = isBehind(node, type);
        const ports = portsById.get(node.id);
        if (ports === undefined) {
          return null;
        }
        const issues = props.nodeIssues.get(node.id);
        const selected = props.selection?.kind === 'node' && props.selection.id === node.id;
        const status = props.nodeStatus?.get(node.id);
        const position = node.position ?? { x: 0, y: 0 };
        return (
          <div
            key={node.id}
            className={`graph-node${selected ? ' graph-node-selected' : ''}${issues === undefined ? '' : ' graph-node-invalid'}${status === undefined ? '' : ` graph-node-${status}`}`}
            style={{
              left: position.x,
              top: position.y,
              width: NODE_WIDTH,
              height: nodeHeight(ports),
            }}
            role="group"
            tabIndex={0}
            data-node-id={node.id}
            aria-label={`Node ${node.id}, ${type?.title ?? node.type}${issues === undefined ? '' : `, ${String(issues.length)} problem${issues.length === 1 ? '' : 's'}`}`}
            onKeyDown={(e) => {
              onNodeKey(node.id, e);
            }}
            onClick={() => {
              props.onSelect({ kind: 'node', id: node.id });
            }}
          >
            <div
              className="graph-node-header"
              onPointerDown={(e) => {
                startNodeDrag(node.id, e);
              }}
              title={type?.description ?? `unknown node type ${node.type}`}
            >
              <span className="graph-node-title">{type?.title ?? node.type}</span>
              <span className="graph-node-id">
                {node.id}
                {range === undefined ? null : (
                  <span
                    className={behind ? 'graph-node-pin graph-node-pin-behind' : 'graph-node-pin'}
                    data-pin={range}
                    title={
                      behind
                        ? `pinned to ${range}, which does not take the current version ${type?.version ?? ''}`
                        : `pinned to ${range}`
                    }
                  >
                    {' '}
                    @{range}
                  </span>
                )}
              </span>
              {status === undefined ? null : (
                <span className={`dot dot-${status}`} aria-label={status} />
              )}
              {issues === undefined ? null : (
                <span className="graph-node-issues" title={issues.join('\n')}>
                  ⚠ {issues.length}
                </span>
              )}
            </div>
            <div className="graph-node-ports">
              <div className="port-column">
                {ports.inputs.map((input) => (
                  <button
                    key={input}
                    type="button"
                    className={`port port-in${props.pending === undefined ? '' : ' port-target'}`}
                    data-node={node.id}
                    data-input-port={input}
                    aria-label={`Input ${input} of ${node.id}${ports.required.has(input) ? ' (required)' : ''}`}
                    onClick={(e) => {
                      e.stopPropagation();
                      if (props.pending !== undefined) {
                        props.onConnect(props.pending, { node: node.id, port: input });
                      }
                    }}
                  >
                    <span className="handle" />
                    {input}
                  </button>
                ))}
              </div>
              <div className="port-column port-column-out">
                {ports.outputs.map((output) => {
                  const chosen = props.pending?.node === node.id && props.pending.port === output;
                  return (
                    <button
                      key={output}
                      type="button"
                      className={`port port-out${chosen ? ' port-chosen' : ''}`}
                      data-node={node.id}
                      data-output-port={output}
                      aria-pressed={chosen}
                      aria-label={`Output ${output} of ${node.id}`}
                      onPointerDown={(e) => {
                        e.stopPropagation();
                        startConnectDrag({ node: node.id, port: output }, e);
                      }}
                      onClick={(e) => {
                        e.stopPropagation();
                        if (suppressClick.current) {
                          suppressClick.current = false;
                          return;
                        }
                        props.onPending(chosen ? undefined : { node: node.id, port: output });
                      }}
                    >
                      {output}
                      <span className="handle" />
                    </button>
                  );
                })}
              </div>
            </div>
          </div>
        );
      })}
      <div className="canvas-size" style={{ width: CANVAS_WIDTH, height: CANVAS_HEIGHT }} />
    </div>
  );
}

function curve(a: { x: number; y: number }, b: { x: number; y: number }): string {
  // Forward edges bow by half their length; a backward one by a fixed amount, so it stays near.
  const dx = b.x >= a.x ? Math.max(40, (b.x - a.x) / 2) : 60;
  return `M ${String(a.x)} ${String(a.y)} C ${String(a.x + dx)} ${String(a.y)}, ${String(b.x - dx)} ${String(b.y)}, ${String(b.x)} ${String(b.y)}`;
}
