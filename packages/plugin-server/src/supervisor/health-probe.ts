/**
 * @module Periodic liveness probe of a plugin process: GET /health with a timeout; after N
 * failures in a row the supervisor is told to replace the process.
 */
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

export function startHealthProbe(
  target: ProbeTarget,
  settings: HealthProbeSettings,
  onUnhealthy: (reason: string) => void,
): () => void {
  let failures = 0;
  let stopped = false;
  // Its own connection, so a probe never queues behind executions on the forwarding pool.
  const client = new Client(target.url, {
    ...(target.socketPath === undefined ? {} : { socketPath: target.socketPath }),
    pipelining: 0,
  });
  const probe = async (): Promise<void> => {
    let problem: string | undefined;
    try {
      const response = await client.request({
        method: 'GET',
        path: '/health',
        headersTimeout: settings.healthTimeoutMs,
        bodyTimeout: settings.healthTimeoutMs,
        signal: AbortSignal.timeout(settings.healthTimeoutMs),
      });
      await response.body.dump();
      if (response.statusCode !== 200) {
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
      stopped = true;
      clearInterval(timer);
      void client.destroy();
      onUnhealthy(`${problem} (${String(failures)} times in a row)`);
    }
  };
  const timer = setInterval(() => void probe(), settings.healthIntervalMs);
  timer.unref();
  return () => {
    stopped = true;
    clearInterval(timer);
    void client.destroy();
  };
}
