/**
 * @module Periodic probe of a plugin process: GET /health with a timeout. After N failures in a
 * row the supervisor is told to replace the process; a process that reports stuck executions
 * (plugin code running on past its deadline or cancel) is reported at once.
 */
import { healthResponseSchema } from '@plugboard/protocol';
import { Client } from 'undici';

export interface HealthProbeSettings {
  readonly healthIntervalMs: number;
  readonly healthTimeoutMs: number;
  readonly healthFailures: number;
}

/** Where the plugin listens: an origin, and a Unix socket when it has no network. */
export interface ProbeTarget {
  readonly url: string;
  readonly socketPath: string | undefined;
}

export interface HealthSignals {
  /** Failed probes in a row reached the limit; the probe has stopped. */
  onUnhealthy(reason: string): void;
  /** The process reports executions that did not stop at their deadline or cancel. */
  onStuck(stuck: number): void;
}

export interface HealthProbe {
  /** Probes once more after `afterMs`, between the regular ones (a call just overran). */
  soon(afterMs: number): void;
  stop(): void;
}

export function startHealthProbe(
  target: ProbeTarget,
  settings: HealthProbeSettings,
  signals: HealthSignals,
): HealthProbe {
  let failures = 0;
  let stopped = false;
  let extra: NodeJS.Timeout | undefined;
  // Its own connection, so a probe never queues behind executions on the forwarding pool.
  const client = new Client(target.url, {
    ...(target.socketPath === undefined ? {} : { socketPath: target.socketPath }),
    pipelining: 0,
  });
  const probe = async (): Promise<void> => {
    let problem: string | undefined;
    let stuck = 0;
    try {
      const response = await client.request({
        method: 'GET',
        path: '/health',
        headersTimeout: settings.healthTimeoutMs,
        bodyTimeout: settings.healthTimeoutMs,
        signal: AbortSignal.timeout(settings.healthTimeoutMs),
      });
      if (response.statusCode === 200) {
        // A process that says less (an older runtime) is only checked for liveness.
        const health = healthResponseSchema.safeParse(await response.body.json());
        stuck = health.success ? (health.data.stuck ?? 0) : 0;
      } else {
        await response.body.dump();
        problem = `health answered ${String(response.statusCode)}`;
      }
    } catch (error) {
      problem = `health check failed: ${(error as Error).message}`;
    }
    if (stopped) {
      return;
    }
    failures = problem === undefined ? 0 : failures + 1;
    if (problem !== undefined && failures >= settings.healthFailures) {
      stop();
      signals.onUnhealthy(`${problem} (${String(failures)} times in a row)`);
    } else if (stuck > 0) {
      signals.onStuck(stuck);
    }
  };
  const timer = setInterval(() => void probe(), settings.healthIntervalMs);
  timer.unref();
  const stop = (): void => {
    stopped = true;
    clearInterval(timer);
    clearTimeout(extra);
    void client.destroy();
  };
  return {
    soon(afterMs) {
      if (stopped || extra !== undefined) {
        return;
      }
      extra = setTimeout(() => {
        extra = undefined;
        void probe();
      }, afterMs);
      extra.unref();
    },
    stop,
  };
}
