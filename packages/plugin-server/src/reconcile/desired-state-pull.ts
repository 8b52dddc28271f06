/**
 * @module The one way the desired state reaches this server: it pulls the platform's list, on an
 * interval and whenever the platform nudges (`POST /reconcile`), and reconciles with it. The
 * platform never sends the list itself, so there is one owner and one path to debug.
 *
 * Pulls never overlap. A nudge that arrives while a pull is under way is answered by the pull
 * after it, since the one under way may have read the list before the change the nudge is about;
 * any number of such nudges share that one next pull.
 */
import type { DesiredPlugin, DesiredState, ReconcileReport } from '@plugboard/server-api';

export interface DesiredStatePullDeps {
  readonly fetch: () => Promise<DesiredState>;
  readonly reconcile: (desired: readonly DesiredPlugin[]) => ReconcileReport;
  /** The platform answered: statuses waiting out a retry backoff can go now. */
  readonly answered: () => void;
}

export class DesiredStatePull {
  readonly #deps: DesiredStatePullDeps;
  #current: Promise<ReconcileReport> | undefined;
  #next: Promise<ReconcileReport> | undefined;

  constructor(deps: DesiredStatePullDeps) {
    this.#deps = deps;
  }

  /** Pulls and reconciles; rejects with why the platform's list could not be read. */
  now(): Promise<ReconcileReport> {
    if (this.#next !== undefined) {
      return this.#next;
    }
    if (this.#current === undefined) {
      return this.#start();
    }
    this.#next = this.#current
      .catch(() => undefined)
      .then(() => {
        this.#next = undefined;
        return this.#start();
      });
    return this.#next;
  }

  #start(): Promise<ReconcileReport> {
    const pull = (async () => {
      const desired = await this.#deps.fetch();
      this.#deps.answered();
      return this.#deps.reconcile(desired.plugins);
    })();
    this.#current = pull;
    const done = () => {
      if (this.#current === pull) {
        this.#current = undefined;
      }
    };
    pull.then(done, done);
    return pull;
  }
}
