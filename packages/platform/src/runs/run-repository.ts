/**
 * @module Runs, their node runs and their event log in the database. The database is the channel
 * between the API and the worker, so a worker in another process sees the same queue, cancel
 * requests and events.
 */
import { randomBytes } from 'node:crypto';
import type { Queryable } from '../db/database.ts';
import type { WorkflowGraph } from '../workflows/graph.ts';
import type {
  NodeRun,
  NodeRunStatus,
  Run,
  RunError,
  RunEvent,
  RunEventType,
  RunStatus,
} from './run-record.ts';

interface RunRow {
  id: string;
  workflow_id: string;
  graph: WorkflowGraph;
  status: RunStatus;
  inputs: Record<string, unknown>;
  outputs: Record<string, unknown> | null;
  error: RunError | null;
  cancel_requested: boolean;
  created_at: Date;
  started_at: Date | null;
  finished_at: Date | null;
}

interface NodeRunRow {
  node_id: string;
  status: NodeRunStatus;
  inputs: Record<string, unknown> | null;
  outputs: Record<string, unknown> | null;
  error: RunError | null;
  started_at: Date | null;
  finished_at: Date | null;
  duration_ms: number | null;
}

/** A claimed run: what the worker needs to execute it. */
export interface ClaimedRun {
  readonly id: string;
  readonly workflowId: string;
  readonly graph: WorkflowGraph;
  readonly inputs: Record<string, unknown>;
}

export interface NodeFinish {
  readonly nodeId: string;
  readonly status: NodeRunStatus;
  readonly outputs?: Record<string, unknown> | undefined;
  readonly error?: RunError | undefined;
  readonly finishedAt: Date;
  readonly durationMs?: number | undefined;
}

const json = (value: unknown): string | null =>
  value === undefined ? null : JSON.stringify(value);

export class RunRepository {
  readonly #db: Queryable;

  constructor(db: Queryable) {
    this.#db = db;
  }

  async create(input: {
    workflowId: string;
    graph: WorkflowGraph;
    inputs: Record<string, unknown>;
  }): Promise<string> {
    const id = `run_${randomBytes(9).toString('base64url')}`;
    await this.#db.query(
      `INSERT INTO runs (id, workflow_id, graph, status, inputs)
       VALUES ($1, $2, $3::jsonb, 'queued', $4::jsonb)`,
      [id, input.workflowId, JSON.stringify(input.graph), JSON.stringify(input.inputs)],
    );
    await this.#db.query(
      `INSERT INTO node_runs (run_id, node_id, status)
       SELECT $1, n->>'id', 'pending' FROM jsonb_array_elements($2::jsonb) AS n`,
      [id, JSON.stringify(input.graph.nodes)],
    );
    return id;
  }

  async get(id: string): Promise<Run | undefined> {
    const rows = await this.#db.query<RunRow>('SELECT * FROM runs WHERE id = $1', [id]);
    const row = rows[0];
    if (row === undefined) {
      return undefined;
    }
    const nodes = await this.#db.query<NodeRunRow>(
      'SELECT * FROM node_runs WHERE run_id = $1 ORDER BY started_at NULLS LAST, node_id',
      [id],
    );
    return { ...toRun(row), nodes: nodes.map(toNodeRun) };
  }

  async list(filter: { workflowId?: string | undefined; limit: number }): Promise<Run[]> {
    const rows = await this.#db.query<RunRow>(
      `SELECT * FROM runs WHERE ($1::text IS NULL OR workflow_id = $1)
        ORDER BY created_at DESC LIMIT $2`,
      [filter.workflowId ?? null, filter.limit],
    );
    return rows.map((row) => ({ ...toRun(row), nodes: [] }));
  }

  /** Takes the oldest queued run for this worker; SKIP LOCKED lets several workers share the queue. */
  async claim(workerId: string): Promise<ClaimedRun | undefined> {
    const rows = await this.#db.query<RunRow>(
      `UPDATE runs SET status = 'running', worker_id = $1, started_at = now(), heartbeat_at = now()
        WHERE id = (SELECT id FROM runs WHERE status = 'queued' AND NOT cancel_requested
                     ORDER BY created_at LIMIT 1 FOR UPDATE SKIP LOCKED)
        RETURNING *`,
      [workerId],
    );
    const row = rows[0];
    return row === undefined
      ? undefined
      : { id: row.id, workflowId: row.workflow_id, graph: row.graph, inputs: row.inputs };
  }

  /**
   * Cancels a queued run at once (no worker will touch it, so its run.finished event is written
   * here for whoever follows its events); asks the worker to stop a running one.
   */
  async requestCancel(id: string): Promise<'cancelled' | 'requested' | 'finished' | undefined> {
    const error: RunError = { code: 'PLAT_CANCELLED', message: 'cancelled before it started' };
    const queued = await this.#db.query(
      `UPDATE runs SET status = 'cancelled', cancel_requested = true, finished_at = now(),
              error = $2::jsonb
        WHERE id = $1 AND status = 'queued' RETURNING id`,
      [id, JSON.stringify(error)],
    );
    if (queued.length > 0) {
      await this.#db.query(
        `UPDATE node_runs SET status = 'cancelled' WHERE run_id = $1 AND status = 'pending'`,
        [id],
      );
      await this.appendEvent(id, 'run.finished', { status: 'cancelled', outputs: {}, error });
      return 'cancelled';
    }
    const running = await this.#db.query(
      `UPDATE runs SET cancel_requested = true WHERE id = $1 AND status = 'running' RETURNING id`,
      [id],
    );
    if (running.length > 0) {
      return 'requested';
    }
    return (await this.#db.query('SELECT 1 FROM runs WHERE id = $1', [id])).length > 0
      ? 'finished'
      : undefined;
  }

  async cancelRequested(ids: readonly string[]): Promise<string[]> {
    if (ids.length === 0) {
      return [];
    }
    const rows = await this.#db.query<{ id: string }>(
      'SELECT id FROM runs WHERE id = ANY($1::text[]) AND cancel_requested',
      [ids],
    );
    return rows.map((r) => r.id);
  }

  async heartbeat(ids: readonly string[]): Promise<void> {
    if (ids.length > 0) {
      await this.#db.query('UPDATE runs SET heartbeat_at = now() WHERE id = ANY($1::text[])', [
        ids,
      ]);
    }
  }

  /**
   * Runs whose worker stopped beating (it crashed or was killed) end `failed` rather than hang
   * `running` forever. They are not re-run: a node that reached a plugin is never silently re-sent.
   */
  async failAbandoned(staleAfterMs: number): Promise<string[]> {
    const error: RunError = {
      code: 'PLAT_WORKER_STOPPED',
      message: 'the worker running this run stopped before it finished; run the workflow again',
    };
    const rows = await this.#db.query<{ id: string }>(
      `UPDATE runs SET status = 'failed', finished_at = now(), error = $2::jsonb
        WHERE status = 'running' AND heartbeat_at < now() - ($1::int * interval '1 millisecond')
        RETURNING id`,
      [staleAfterMs, JSON.stringify(error)],
    );
    for (const { id } of rows) {
      await this.#db.query(
        `UPDATE node_runs SET status = 'cancelled', finished_at = now()
          WHERE run_id = $1 AND status IN ('pending', 'running')`,
        [id],
      );
      await this.appendEvent(id, 'run.finished', { status: 'failed', error });
    }
    return rows.map((r) => r.id);
  }

  async nodeStarted(
    runId: string,
    started: { nodeId: string; inputs: Record<string, unknown>; startedAt: Date },
  ): Promise<void> {
    await this.#db.query(
      `UPDATE node_runs SET status = 'running', inputs = $3::jsonb, started_at = $4
        WHERE run_id = $1 AND node_id = $2`,
      [runId, started.nodeId, JSON.stringify(started.inputs), started.startedAt],
    );
  }

  async nodeFinished(runId: string, finish: NodeFinish): Promise<void> {
    await this.#db.query(
      `UPDATE node_runs SET status = $3, outputs = $4::jsonb, error = $5::jsonb,
              finished_at = $6, duration_ms = $7
        WHERE run_id = $1 AND node_id = $2`,
      [
        runId,
        finish.nodeId,
        finish.status,
        json(finish.outputs),
        json(finish.error),
        finish.finishedAt,
        finish.durationMs ?? null,
      ],
    );
  }

  async finish(
    runId: string,
    result: { status: RunStatus; outputs?: Record<string, unknown>; error?: RunError | undefined },
  ): Promise<void> {
    await this.#db.query(
      `UPDATE runs SET status = $2, outputs = $3::jsonb, error = $4::jsonb, finished_at = now()
        WHERE id = $1`,
      [runId, result.status, json(result.outputs), json(result.error)],
    );
    await this.#db.query(
      `UPDATE node_runs SET status = 'cancelled' WHERE run_id = $1 AND status = 'pending'`,
      [runId],
    );
  }

  async appendEvent(
    runId: string,
    type: RunEventType,
    data: Record<string, unknown>,
  ): Promise<void> {
    await this.#db.query('INSERT INTO run_events (run_id, type, data) VALUES ($1, $2, $3::jsonb)', [
      runId,
      type,
      JSON.stringify(data),
    ]);
  }

  /** Whether the run's last event, run.finished, is at or before this event id: none follows. */
  async finishedBy(runId: string, eventId: number): Promise<boolean> {
    const rows = await this.#db.query(
      `SELECT 1 FROM run_events WHERE run_id = $1 AND type = 'run.finished' AND id <= $2 LIMIT 1`,
      [runId, eventId],
    );
    return rows.length > 0;
  }

  async eventsAfter(runId: string, afterId: number): Promise<RunEvent[]> {
    return this.#db.query<RunEvent>(
      'SELECT id, type, data FROM run_events WHERE run_id = $1 AND id > $2 ORDER BY id LIMIT 500',
      [runId, afterId],
    );
  }
}

function iso(value: Date | null): string | undefined {
  return value === null ? undefined : value.toISOString();
}

function toRun(row: RunRow): Omit<Run, 'nodes'> {
  return {
    id: row.id,
    workflowId: row.workflow_id,
    status: row.status,
    inputs: row.inputs,
    ...(row.outputs === null ? {} : { outputs: row.outputs }),
    ...(row.error === null ? {} : { error: row.error }),
    cancelRequested: row.cancel_requested,
    createdAt: row.created_at.toISOString(),
    ...(row.started_at === null ? {} : { startedAt: iso(row.started_at) }),
    ...(row.finished_at === null ? {} : { finishedAt: iso(row.finished_at) }),
  };
}

function toNodeRun(row: NodeRunRow): NodeRun {
  return {
    nodeId: row.node_id,
    status: row.status,
    ...(row.inputs === null ? {} : { inputs: row.inputs }),
    ...(row.outputs === null ? {} : { outputs: row.outputs }),
    ...(row.error === null ? {} : { error: row.error }),
    ...(row.started_at === null ? {} : { startedAt: iso(row.started_at) }),
    ...(row.finished_at === null ? {} : { finishedAt: iso(row.finished_at) }),
    ...(row.duration_ms === null ? {} : { durationMs: row.duration_ms }),
  };
}
