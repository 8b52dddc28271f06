/**
 * @module The worker's side of the run queue: claiming the oldest queued run, beating for the
 * runs it holds, hearing cancel requests, putting back runs a lost answer left claimed, and
 * ending runs whose worker stopped beating.
 */
import type { Database } from '../db/database.ts';
import type { RunError } from '@plugboard/platform-api';
import { appendEvent, type ClaimedRun } from './run-repository.ts';

interface ClaimedRow {
  id: string;
  workflow_id: string;
  graph: ClaimedRun['graph'];
  inputs: ClaimedRun['inputs'];
}

export class RunClaims {
  readonly #db: Database;

  constructor(db: Database) {
    this.#db = db;
  }

  /** Takes the oldest queued run for this worker; SKIP LOCKED lets several workers share the queue. */
  async claim(workerId: string): Promise<ClaimedRun | undefined> {
    const rows = await this.#db.query<ClaimedRow>(
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

  /** Beats for the runs this worker holds; answers those it still holds (others were taken). */
  async heartbeat(workerId: string, ids: readonly string[]): Promise<string[]> {
    if (ids.length === 0) {
      return [];
    }
    const rows = await this.#db.query<{ id: string }>(
      `UPDATE runs SET heartbeat_at = now()
        WHERE id = ANY($1::text[]) AND worker_id = $2 AND status = 'running' RETURNING id`,
      [ids, workerId],
    );
    return rows.map((r) => r.id);
  }

  /**
   * Puts back in the queue the runs recorded as this worker's that it is not running and that
   * never started a node: a claim that committed although its answer was lost to a database
   * failure. A run that started a node is never re-run.
   */
  async requeueUnstarted(workerId: string, running: readonly string[]): Promise<string[]> {
    const rows = await this.#db.query<{ id: string }>(
      `UPDATE runs SET status = 'queued', worker_id = NULL, started_at = NULL, heartbeat_at = NULL
        WHERE worker_id = $1 AND status = 'running' AND NOT (id = ANY($2::text[]))
          AND NOT EXISTS (SELECT 1 FROM node_runs n
                           WHERE n.run_id = runs.id AND n.status <> 'pending')
        RETURNING id`,
      [workerId, running],
    );
    return rows.map((r) => r.id);
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
    // A database that started again within the window had no heartbeat to take meanwhile: live
    // workers get the window to beat again first.
    const stale = await this.#db.query<{ id: string }>(
      `SELECT id FROM runs
        WHERE status = 'running' AND heartbeat_at < now() - ($1::int * interval '1 millisecond')
          AND pg_postmaster_start_time() < now() - ($1::int * interval '1 millisecond')`,
      [staleAfterMs],
    );
    const failed: string[] = [];
    for (const { id } of stale) {
      const ended = await this.#db.transaction(async (tx) => {
        const rows = await tx.query(
          `UPDATE runs SET status = 'failed', finished_at = now(), error = $3::jsonb
            WHERE id = $1 AND status = 'running'
              AND heartbeat_at < now() - ($2::int * interval '1 millisecond')
            RETURNING id`,
          [id, staleAfterMs, JSON.stringify(error)],
        );
        if (rows.length === 0) {
          return false;
        }
        await tx.query(
          `UPDATE node_runs SET status = 'cancelled', finished_at = now()
            WHERE run_id = $1 AND status IN ('pending', 'running')`,
          [id],
        );
        await appendEvent(tx, id, { type: 'run.finished', data: { status: 'failed', error } });
        return true;
      });
      if (ended) {
        failed.push(id);
      }
    }
    return failed;
  }
}
