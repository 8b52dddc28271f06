/**
 * @module Saved workflows: a name, a description and a graph that passed validation when saved.
 */
import { randomBytes } from 'node:crypto';
import type { Queryable } from '../db/database.ts';
import type { WorkflowGraph } from '@plugboard/platform-api';

export interface Workflow {
  readonly id: string;
  readonly name: string;
  readonly description: string;
  readonly graph: WorkflowGraph;
  readonly createdAt: string;
  readonly updatedAt: string;
}

interface WorkflowRow {
  id: string;
  name: string;
  description: string;
  graph: WorkflowGraph;
  created_at: Date;
  updated_at: Date;
}

export class WorkflowRepository {
  readonly #db: Queryable;

  constructor(db: Queryable) {
    this.#db = db;
  }

  async list(): Promise<Workflow[]> {
    return (
      await this.#db.query<WorkflowRow>('SELECT * FROM workflows ORDER BY updated_at DESC')
    ).map(toWorkflow);
  }

  async get(id: string): Promise<Workflow | undefined> {
    const rows = await this.#db.query<WorkflowRow>('SELECT * FROM workflows WHERE id = $1', [id]);
    return rows[0] === undefined ? undefined : toWorkflow(rows[0]);
  }

  async create(input: Pick<Workflow, 'name' | 'description' | 'graph'>): Promise<Workflow> {
    const rows = await this.#db.query<WorkflowRow>(
      `INSERT INTO workflows (id, name, description, graph) VALUES ($1, $2, $3, $4::jsonb)
       RETURNING *`,
      [
        `wf_${randomBytes(9).toString('base64url')}`,
        input.name,
        input.description,
        JSON.stringify(input.graph),
      ],
    );
    return toWorkflow(rows[0] as WorkflowRow);
  }

  /** Replaces it; with `unless`, only while its graph is still that one (no edit meanwhile). */
  async update(
    id: string,
    input: Pick<Workflow, 'name' | 'description' | 'graph'>,
    unless?: { readonly changedFrom: WorkflowGraph },
  ): Promise<Workflow | undefined> {
    const rows = await this.#db.query<WorkflowRow>(
      `UPDATE workflows SET name = $2, description = $3, graph = $4::jsonb, updated_at = now()
        WHERE id = $1 AND ($5::jsonb IS NULL OR graph = $5::jsonb) RETURNING *`,
      [
        id,
        input.name,
        input.description,
        JSON.stringify(input.graph),
        unless === undefined ? null : JSON.stringify(unless.changedFrom),
      ],
    );
    return rows[0] === undefined ? undefined : toWorkflow(rows[0]);
  }

  /**
   * Replaces the graph only if it is still `before` (an edit meanwhile wins), leaving the time of
   * the last edit: for rewrites the platform makes itself, such as pinning node versions.
   */
  async rewriteGraph(id: string, before: WorkflowGraph, after: WorkflowGraph): Promise<boolean> {
    const rows = await this.#db.query(
      `UPDATE workflows SET graph = $3::jsonb WHERE id = $1 AND graph = $2::jsonb RETURNING id`,
      [id, JSON.stringify(before), JSON.stringify(after)],
    );
    return rows.length > 0;
  }

  /** Deletes it with its finished runs; refuses while one of its runs is under way. */
  async delete(id: string): Promise<'deleted' | 'busy' | 'missing'> {
    const deleted = await this.#db.query(
      `DELETE FROM workflows WHERE id = $1 AND NOT EXISTS (
         SELECT 1 FROM runs WHERE workflow_id = $1 AND status IN ('queued', 'running'))
       RETURNING id`,
      [id],
    );
    if (deleted.length > 0) {
      return 'deleted';
    }
    return (await this.get(id)) === undefined ? 'missing' : 'busy';
  }
}

function toWorkflow(row: WorkflowRow): Workflow {
  return {
    id: row.id,
    name: row.name,
    description: row.description,
    graph: row.graph,
    createdAt: row.created_at.toISOString(),
    updatedAt: row.updated_at.toISOString(),
  };
}
