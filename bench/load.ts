// Runs load-client.ts in a child process and reads its result. The load generator gets a process
// of its own so it never shares an event loop with the Plugin Server under test (embedded in the
// bench process): sharing one would charge the client's work to the server's latency and
// throughput, while nginx and the plugin each have their own process. On 2 cores the proxied
// paths then run three busy processes (client, proxy, plugin) and the direct one two, alike for
// the Plugin Server and nginx.
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';

export interface LoadSpec {
  /** `http://127.0.0.1:<port>`: loopback only. */
  readonly origin: string;
  readonly path: string;
  readonly headers: Readonly<Record<string, string>>;
  readonly body: string;
  /** A piece of the answer that proves the node really ran. */
  readonly expect: string;
  readonly clients: number;
  readonly warmUpMs: number;
  readonly durationMs: number;
}

export interface LoadResult {
  /** Answered with 200 inside the measured window. */
  readonly requests: number;
  readonly requestsPerSecond: number;
  readonly p50Ms: number;
  readonly p99Ms: number;
  /** Non-200 answers and failed requests, warm-up included. */
  readonly errors: number;
  readonly firstError?: string;
}

const CLIENT = fileURLToPath(new URL('load-client.ts', import.meta.url));
/** Past the run's own length, a client that has not answered is stuck: it is killed. */
const GRACE_MS = 10_000;

export function runLoad(spec: LoadSpec): Promise<LoadResult> {
  if (!/^http:\/\/127\.0\.0\.1:\d+$/.test(spec.origin)) {
    return Promise.reject(new Error(`load is only ever sent to loopback, not ${spec.origin}`));
  }
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [CLIENT, JSON.stringify(spec)], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    let err = '';
    child.stdout.on('data', (chunk: Buffer) => (out += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (err += chunk.toString()));
    const timer = setTimeout(
      () => {
        child.kill('SIGKILL');
      },
      spec.warmUpMs + spec.durationMs + GRACE_MS,
    );
    child.once('exit', (code, signal) => {
      clearTimeout(timer);
      if (code === 0) {
        resolve(JSON.parse(out) as LoadResult);
      } else {
        const how = signal === null ? `code ${String(code)}` : signal;
        reject(new Error(`load client ended with ${how}: ${err.slice(0, 500)}`));
      }
    });
  });
}
