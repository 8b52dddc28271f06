/**
 * @module When to restart a crashed plugin and when to give up: exponential backoff with full
 * jitter (first restart immediate), reset after a long healthy run, and a crash-loop limit.
 * Defaults follow kubelet/pm2/systemd practice (see docs/plugin-server.md).
 */
import { backoffDelay } from '@plugboard/protocol';

export interface RestartPolicySettings {
  readonly restartBaseMs: number;
  readonly restartMaxMs: number;
  readonly crashLoopCount: number;
  readonly crashLoopWindowMs: number;
  readonly healthyResetMs: number;
}

export type RestartDecision =
  | { readonly restart: true; readonly delayMs: number }
  | { readonly restart: false; readonly reason: string };

export class RestartPolicy {
  readonly #settings: RestartPolicySettings;
  readonly #random: () => number;
  #crashes: number[] = [];
  #consecutive = 0;

  constructor(settings: RestartPolicySettings, random: () => number = Math.random) {
    this.#settings = settings;
    this.#random = random;
  }

  /** Records a crash at `now` (monotonic ms) after running for `ranForMs`, and decides. */
  onCrash(now: number, ranForMs: number): RestartDecision {
    const s = this.#settings;
    if (ranForMs >= s.healthyResetMs) {
      this.#consecutive = 0;
    }
    this.#crashes = [...this.#crashes.filter((t) => now - t < s.crashLoopWindowMs), now];
    if (this.#crashes.length >= s.crashLoopCount) {
      return {
        restart: false,
        reason: `crashed ${String(this.#crashes.length)} times within ${String(Math.round(s.crashLoopWindowMs / 1000))} s`,
      };
    }
    const attempt = this.#consecutive;
    this.#consecutive += 1;
    if (attempt === 0) {
      return { restart: true, delayMs: 0 };
    }
    return {
      restart: true,
      delayMs: backoffDelay(attempt, {
        baseMs: s.restartBaseMs,
        maxMs: s.restartMaxMs,
        random: this.#random,
      }),
    };
  }

  reset(): void {
    this.#crashes = [];
    this.#consecutive = 0;
  }
}
