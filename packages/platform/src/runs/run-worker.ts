/**
 * @module The worker: claims queued runs from the database, executes each with the workflow
 * engine, records every node's inputs, outputs, errors and timing, and publishes progress
 * events. It runs inside the platform by default and as `plugboard worker` on its own (then
 * cancel requests and new runs reach it through the database).
 */
import { randomBytes } from 'node:crypto';
import type { FastifyBaseLogger } from 'fastify';
import type { RemoteNodeCaller } from '../nodes/node-definition.ts';
import type { NodeRegistry } from '../nodes/node-registry.ts';
import { executeWorkflow } from './executor.ts';
import type { RunBus } from './run-bus.ts';
import { RunEventBatch } from './run-event-batch.ts';
import type { RunError } from '@plugboard/platform-api';
import type { RunClaims } from './run-claims.ts';
import type { ClaimedRun, RunRepository } from './run-repository.ts';
import { DatabaseWatch, whileDatabaseAway } from './database-watch.ts';

export interface RunWorkerOptions {
  readonly runs: RunRepository;
  readonly claims: RunClaims;
  readonly registry: () => Promise<NodeRegistry>;
  /** A fresh port for one run's plugin nodes (it keeps that run's credentials). */
  readonly remote: () => RemoteNodeCaller;
  readonly bus: RunBus;
  readonly log: FastifyBaseLogger;
  readonly limits: {
    readonly runsInParallel: number;
    readonly nodesInParallel: number;
    readonly nodeTimeoutMs: number;
    /** On stop, how long runs in progress may go on to their end before they are stopped. */
    readonly drainMs?: number;
    /** A run whose worker has not beaten for this long (while the database was there) ends. */
    readonly abandonedAfterMs?: number;
  };
  readonly pollMs?: number;
  /**
   * Whether runs can be worked on now (the Plugin Server answers and has loaded its plugins). A
   * run claimed before that would fail for no fault of its own, so the worker waits instead.
   */
  readonly ready?: () => Promise<boolean>;
}

/** How long a "ready" answer is trusted before the worker asks again. */
const READY_TRUSTED_MS = 5_000;

/** On stop, how long results still waiting for the database may wait for it. */
const FINAL_WRITES_MS = 5_000;

export class RunWorker {
  readonly id = `worker_${randomBytes(6).toString('base64url')}`;
  readonly #options: RunWorkerOptions;
  readonly #active = new Map<string, { abort: AbortController; done: Promise<void> }>();
  #stopping = new AbortController();
  /** Aborted once a stopping worker stops waiting for the database to keep its runs' results. */
  #givingUp = new AbortController();
  readonly #database: DatabaseWatch;
  #loop: Promise<void> | undefined;
  #wake: (() => void) | undefined;
  /** Set by stop(): no more claims, while heartbeats and cancel requests go on. */
  #draining = false;
  readonly #abandonedAfterMs: number;
  readonly #heartbeatMs: number;

  constructor(options: RunWorkerOptions) {
    this.#options = options;
    this.#database = new DatabaseWatch(options.log);
    this.#abandonedAfterMs = options.limits.abandonedAfterMs ?? 60_000;
    // Several beats fit in the window, so one slow beat never makes a live run look abandoned.
    this.#heartbeatMs = Math.min(5_000, this.#abandonedAfterMs / 4);
  }

  start(): void {
    if (this.#loop !== undefined) {
      return;
    }
    this.#stopping = new AbortController();
    this.#givingUp = new AbortController();
    const offQueued = this.#options.bus.onQueued(() => this.#wake?.());
    const offCancel = this.#options.bus.onCancel((runId) => {
      this.#active.get(runId)?.abort.abort(cancelled());
    });
    this.#loop = this.#run().finally(() => {
      offQueued();
      offCancel();
    });
  }

  /**
   * Stops claiming (queued runs wait for the next worker) and lets the runs in progress go on to
   * their end for up to `drainMs`, still beating and hearing cancels; those still going then end
   * `failed` (the worker stopped).
   */
  async stop(): Promise<void> {
    if (this.#loop === undefined) {
      return;
    }
    this.#draining = true;
    this.#wake?.();
    const drainedBy = performance.now() + (this.#options.limits.drainMs ?? 0);
    while (this.#active.size > 0 && performance.now() < drainedBy) {
      await this.#settledWithin(drainedBy - performance.now());
    }
    if (this.#active.size > 0) {
      this.#options.log.warn(
        { runs: [...this.#active.keys()] },
        'runs still in progress after the drain time are stopped',
      );
      for (const run of this.#active.values()) {
        run.abort.abort(stopped());
      }
    }
    // Results still waiting for the database get a last while; past it another worker will find
    // these runs abandoned, as they are.
    const lastWrites = setTimeout(() => {
      this.#givingUp.abort();
    }, FINAL_WRITES_MS);
    await Promise.all([...this.#active.values()].map((r) => r.done));
    clearTimeout(lastWrites);
    this.#stopping.abort();
    this.#wake?.();
    await this.#loop;
    this.#loop = undefined;
    this.#draining = false;
  }

  /** Resolves when one of the runs in progress ends, or after `ms`. */
  async #settledWithin(ms: number): Promise<void> {
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([
      Promise.race([...this.#active.values()].map((r) => r.done)),
      new Promise((resolve) => {
        timer = setTimeout(resolve, ms);
      }),
    ]);
    clearTimeout(timer);
  }

  async #run(): Promise<void> {
    const { claims, log } = this.#options;
    const pollMs = this.#options.pollMs ?? 500;
    let lastBeat = 0;
    let readyUntil = 0;
    let waitingLogged = false;
    const ready = async (): Promise<boolean> => {
      if (this.#options.ready === undefined || performance.now() < readyUntil) {
        return true;
      }
      if (await this.#options.ready()) {
        readyUntil = performance.now() + READY_TRUSTED_MS;
        waitingLogged = false;
        return true;
      }
      if (!waitingLogged) {
        waitingLogged = true;
        log.warn('the Plugin Server is not ready; queued runs wait until it is');
      }
      return false;
    };
    while (!this.#stopping.signal.aborted) {
      try {
        while (
          !this.#draining &&
          this.#active.size < this.#options.limits.runsInParallel &&
          (await ready())
        ) {
          const claimed = await claims.claim(this.id);
          if (claimed === undefined) {
            break;
          }
          // One claimed while stop() began is drained with the others.
          this.#begin(claimed);
        }
        const ids = [...this.#active.keys()];
        for (const id of await claims.cancelRequested(ids)) {
          this.#active.get(id)?.abort.abort(cancelled());
        }
        if (this.#database.recheckClaims()) {
          // A claim whose answer a database failure lost may have committed: put it back.
          for (const id of await claims.requeueUnstarted(this.id, ids)) {
            log.info({ runId: id }, 'a run claimed as the database failed goes back in the queue');
          }
        }
        if (Date.now() - lastBeat > this.#heartbeatMs) {
          lastBeat = Date.now();
          const held = new Set(await claims.heartbeat(this.id, ids));
          for (const id of ids.filter((i) => !held.has(i))) {
            // Declared abandoned (this worker missed its beats): its result would not count.
            log.warn({ runId: id }, 'this worker lost its run; stopping it');
            this.#active.get(id)?.abort.abort(cancelled());
          }
          // A heartbeat is stale only on a clock that ran while the database was there: after an
          // outage this worker saw, live workers get the time to beat again before any run
          // counts as abandoned (the repository does the same after a database restart).
          if (this.#database.upForMs() >= this.#abandonedAfterMs) {
            for (const id of await claims.failAbandoned(this.#abandonedAfterMs)) {
              this.#options.bus.changed(id);
            }
          }
        }
        this.#database.answered();
      } catch (error) {
        this.#database.failed(error);
      }
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, pollMs);
        this.#wake = () => {
          clearTimeout(timer);
          resolve();
        };
      });
      this.#wake = undefined;
    }
  }

  /**
   * A write of a run's progress or result: while the database is away it is tried again (the
   * run holds its place and its results in memory) until the database answers, or until a
   * stopping worker gives up (its runs are then found abandoned by another worker).
   */
  async #durable<T>(write: () => Promise<T>): Promise<T> {
    const done = await whileDatabaseAway(write, this.#givingUp.signal, (error) => {
      this.#database.failed(error);
    });
    this.#database.answered();
    return done;
  }

  #begin(claimed: ClaimedRun): void {
    const abort = new AbortController();
    const done = this.#execute(claimed, abort.signal)
      .catch((error: unknown) => {
        this.#options.log.error({ err: error, runId: claimed.id }, 'run failed in the worker');
      })
      .finally(() => {
        this.#active.delete(claimed.id);
        this.#wake?.();
      });
    this.#active.set(claimed.id, { abort, done });
  }

  async #execute(claimed: ClaimedRun, signal: AbortSignal): Promise<void> {
    const { runs, bus, limits } = this.#options;
    const runId = claimed.id;
    const owner = { runId, workerId: this.id };
    const events = new RunEventBatch(async (batch) => {
      await this.#durable(() => runs.appendEvents(runId, batch));
      bus.changed(runId);
    });
    const publish = (
      type: 'run.started' | 'node.started' | 'node.finished',
      data: Record<string, unknown>,
    ): void => {
      events.add({ type, data });
    };
    publish('run.started', { workflowId: claimed.workflowId });
    let result: {
      status: 'succeeded' | 'failed' | 'cancelled';
      outputs: Record<string, unknown>;
      error?: RunError;
    };
    try {
      result = await executeWorkflow({
        runId,
        graph: claimed.graph,
        registry: await this.#durable(() => this.#options.registry()),
        remote: this.#options.remote(),
        inputs: claimed.inputs,
        signal,
        limits: { nodesInParallel: limits.nodesInParallel, nodeTimeoutMs: limits.nodeTimeoutMs },
        observer: {
          nodeStarted: async (e) => {
            await this.#durable(() => runs.nodeStarted(owner, e));
            publish('node.started', {
              nodeId: e.nodeId,
              startedAt: e.startedAt.toISOString(),
            });
          },
          nodeFinished: async (e) => {
            await this.#durable(() => runs.nodeFinished(owner, e));
            publish('node.finished', {
              nodeId: e.nodeId,
              status: e.status,
              ...(e.outputs === undefined ? {} : { outputs: e.outputs }),
              ...(e.error === undefined ? {} : { error: e.error }),
              ...(e.durationMs === undefined ? {} : { durationMs: e.durationMs }),
            });
          },
        },
      });
    } catch (error) {
      result = {
        status: 'failed',
        outputs: {},
        error: {
          code: 'PLAT_INTERNAL',
          message: `the run failed in the worker: ${(error as Error).message}`,
        },
      };
    }
    if (result.status === 'cancelled' && signal.reason instanceof WorkerStopped) {
      result = { status: 'failed', outputs: {}, error: signal.reason.error };
    }
    // run.finished comes last: after every event of the run is stored. Events that could not be
    // stored are lost to the stream, but the run's result is still recorded.
    await events.written().catch((error: unknown) => {
      this.#options.log.error({ err: error, runId }, 'some events of the run were not stored');
    });
    if (await this.#durable(() => runs.finish(owner, result))) {
      bus.changed(runId);
    } else {
      this.#options.log.warn(
        { runId },
        'the run was taken from this worker; its result is dropped',
      );
    }
  }
}

class WorkerStopped {
  readonly error: RunError = {
    code: 'PLAT_WORKER_STOPPED',
    message:
      'the worker stopped (the platform shut down) and this run did not end within its drain time (PLUGBOARD_WORKER_DRAIN_MS); run the workflow again',
  };
}

function stopped(): WorkerStopped {
  return new WorkerStopped();
}

function cancelled(): string {
  return 'cancelled';
}
