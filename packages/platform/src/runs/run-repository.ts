/**
 * @module Runs, their node runs and their event log in the database. The database is the channel
 * between the API and the worker, so a worker in another process sees the same queue, cancel
 * requests and events.
 */
import { randomBytes } from 'node:crypto';
import type { Database, Queryable } from '../db/database.ts';
import { grantRunFile } from '../files/run-file-access.ts';
import type { WorkflowGraph } from '@plugboard/platform-api';
import type {
  NodeRun,
  NodeRunStatus,
  Run,
  RunError,
  RunEvent,
  RunEventType,
  RunStatus,
} from '@plugboard/platform-api';

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

/** Which worker holds a run: its writes count only while it still does. */
export interface RunOwner {
  readonly runId: string;
  readonly workerId: string;
}

/** Guards a worker's writes: the run is still running and still this worker's. */
const OWNED = `EXISTS (SELECT 1 FROM runs r WHERE r.id = $1 AND r.worker_id = $2 AND r.status = 'running')`;

export class RunRepository {
  readonly #db: Database;

  constructor(db: Database) {
    this.#db = db;
  }

  /** The run, its pending node rows and its input files' grants, at once: a worker may claim it. */
  /**
   * Queues a run. With `id` given (derived from an Idempotency-Key), a run that already has it is
   * kept as it is and nothing new is queued.
   */
  async create(input: {
    id?: string | undefined;
    workflowId: string;
    graph: WorkflowGraph;
    inputs: Record<string, unknown>;
    fileIds: readonly string[];
  }): Promise<string> {
    const id = input.id ?? `run_${randomBytes(9).toString('base64url')}`;
    await this.#db.transaction(async (tx) => {
      const inserted = await tx.query(
        `INSERT INTO runs (id, workflow_id, graph, status, inputs)
         VALUES ($1, $2, $3::jsonb, 'queued', $4::jsonb)
         ON CONFLICT (id) DO NOTHING RETURNING id`,
        [id, input.workflowId, JSON.stringify(input.graph), JSON.stringify(input.inputs)],
      );
      if (inserted.length === 0) {
        return;
      }
      await tx.query(
        `INSERT INTO node_runs (run_id, node_id, status)
         SELECT $1, n->>'id', 'pending' FROM jsonb_array_elements($2::jsonb) AS n`,
        [id, JSON.stringify(input.graph.nodes)],
      );
      for (const fileId of input.fileIds) {
        await grantRunFile(tx, id, fileId);
      }
    });
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

  /**
   * Cancels a queued run at once (no worker will touch it, so its run.finished event is written
   * here for whoever follows its events); asks the worker to stop a running one.
   */
  async requestCancel(id: string): Promise<'cancelled' | 'requested' | 'finished' | undefined> {
    const error: RunError = { code: 'PLAT_CANCELLED', message: 'cancelled before it started' };
    const cancelled = await this.#db.transaction(async (tx) => {
      const queued = await tx.query(
        `UPDATE runs SET status = 'cancelled', cancel_requested = true, finished_at = now(),
                error = $2::jsonb
          WHERE id = $1 AND status = 'queued' RETURNING id`,
        [id, JSON.stringify(error)],
      );
      if (queued.length === 0) {
        return false;
      }
      await tx.query(
        `UPDATE node_runs SET status = 'cancelled' WHERE run_id = $1 AND status = 'pending'`,
        [id],
      );
      await appendEvent(tx, id, {
        type: 'run.finished',
        data: { status: 'cancelled', outputs: {}, error },
      });
      return true;
    });
    if (cancelled) {
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

  async nodeStarted(
    owner: RunOwner,
    started: { nodeId: string; inputs: Record<string, unknown>; startedAt: Date },
  ): Promise<void> {
    await this.#db.query(
      `UPDATE node_runs SET status = 'running', inputs = $4::jsonb, started_at = $5
        WHERE run_id = $1 AND node_id = $3 AND ${OWNED}`,
      [
        owner.runId,
        owner.workerId,
        started.nodeId,
        JSON.stringify(started.inputs),
        started.startedAt,
      ],
    );
  }

  async nodeFinished(owner: RunOwner, finish: NodeFinish): Promise<void> {
    await this.#db.query(
      `UPDATE node_runs SET status = $4, outputs = $5::jsonb, error = $6::jsonb,
              finished_at = $7, duration_ms = $8
        WHERE run_id = $1 AND node_id = $3 AND ${OWNED}`,
      [
        owner.runId,
        owner.workerId,
        finish.nodeId,
        finish.status,
        json(finish.outputs),
        json(finish.error),
        finish.finishedAt,
        finish.durationMs ?? null,
      ],
    );
  }

  /**
   * Ends the run with its result and its run.finished event, together; false when this worker no
   * longer held it (it was declared abandoned meanwhile), and then nothing is written.
   */
  async finish(
    owner: RunOwner,
    result: { status: RunStatus; outputs?: Record<string, unknown>; error?: RunError | undefined },
  ): Promise<boolean> {
    return this.#db.transaction(async (tx) => {
      const rows = await tx.query(
        `UPDATE runs SET status = $3, outputs = $4::jsonb, error = $5::jsonb, finished_at = now()
          WHERE id = $1 AND worker_id = $2 AND status = 'running' RETURNING id`,
        [owner.runId, owner.workerId, result.status, json(result.outputs), json(result.error)],
      );
      if (rows.length === 0) {
        // Already recorded as this result by this worker (an earlier attempt committed, then its
        // answer was lost): done, not taken.
        const same = await tx.query(
          'SELECT id FROM runs WHERE id = $1 AND worker_id = $2 AND status = $3',
          [owner.runId, owner.workerId, result.status],
        );
        return same.length > 0;
      }
      await tx.query(
        `UPDATE node_runs SET status = 'cancelled' WHERE run_id = $1 AND status = 'pending'`,
        [owner.runId],
      );
      await appendEvent(tx, owner.runId, {
        type: 'run.finished',
        data: {
          status: result.status,
          outputs: result.outputs ?? {},
          ...(result.error === undefined ? {} : { error: result.error }),
        },
      });
      return true;
    });
  }

  /** Stores a run's events in the order given, in one statement. */
  async appendEvents(
    runId: string,
    events: readonly { type: RunEventType; data: Record<string, unknown> }[],
  ): Promise<void> {
    if (events.length === 0) {
      return;
    }
    // Rows of one VALUES list take their ids in list order.
    const rows = events.map((_, i) => `($1, $${String(2 * i + 2)}, $${String(2 * i + 3)}::jsonb)`);
    await this.#db.query(`INSERT INTO run_events (run_id, type, data) VALUES ${rows.join(', ')}`, [
      runId,
      ...events.flatMap((e) => [e.type, JSON.stringify(e.data)]),
    ]);
  }

  /** Whether the run has ended (its status is final). */
  async isOver(runId: string): Promise<boolean> {
    const rows = await this.#db.query<{ status: RunStatus }>(
      'SELECT status FROM runs WHERE id = $1',
      [runId],
    );
    const status = rows[0]?.status;
    return status === undefined || (status !== 'queued' && status !== 'running');
  }

  async eventsAfter(runId: string, afterId: number): Promise<RunEvent[]> {
    return this.#db.query<RunEvent>(
      'SELECT id, type, data FROM run_events WHERE run_id = $1 AND id > $2 ORDER BY id LIMIT 500',
      [runId, afterId],
    );
  }
}

export async function appendEvent(
  db: Queryable,
  runId: string,
  event: { type: RunEventType; data: Record<string, unknown> },
): Promise<void> {
  await db.query('INSERT INTO run_events (run_id, type, data) VALUES ($1, $2, $3::jsonb)', [
    runId,
    event.type,
    JSON.stringify(event.data),
  ]);
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
