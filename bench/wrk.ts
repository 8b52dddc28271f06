// Load from `wrk` (Debian's HTTP benchmarking tool, in C): the same POST as the bench's own load
// client, to check that the ratios do not come from the Node client. One thread, as many kept-alive
// connections as clients; wrk is an open-ended loop per connection, like the closed loop here.
import { spawn } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface WrkResult {
  readonly requestsPerSecond: number;
  readonly p50Ms: number;
  /** Non-2xx answers and socket errors. */
  readonly errors: number;
}

export async function runWrk(
  wrk: string,
  spec: {
    origin: string;
    path: string;
    headers: Record<string, string>;
    body: string;
    connections: number;
    durationS: number;
  },
): Promise<WrkResult> {
  const dir = await mkdtemp(join(tmpdir(), 'plugboard-bench-wrk-'));
  try {
    const script = join(dir, 'post.lua');
    const headers = Object.entries({ 'content-type': 'application/json', ...spec.headers })
      .map(([name, value]) => `wrk.headers[${JSON.stringify(name)}] = ${JSON.stringify(value)}`)
      .join('\n');
    await writeFile(
      script,
      `wrk.method = "POST"\nwrk.body = ${JSON.stringify(spec.body)}\n${headers}\n`,
    );
    const output = await new Promise<string>((resolve, reject) => {
      const child = spawn(
        wrk,
        [
          '-t1',
          `-c${String(spec.connections)}`,
          `-d${String(spec.durationS)}s`,
          '--latency',
          '-s',
          script,
          `${spec.origin}${spec.path}`,
        ],
        { stdio: ['ignore', 'pipe', 'pipe'] },
      );
      let out = '';
      child.stdout.on('data', (chunk: Buffer) => (out += chunk.toString()));
      child.once('error', reject);
      child.once('exit', (code) => {
        if (code === 0) {
          resolve(out);
        } else {
          reject(new Error(`wrk ended with code ${String(code)}: ${out.slice(0, 300)}`));
        }
      });
    });
    return parse(output);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

function parse(output: string): WrkResult {
  const rate = /Requests\/sec:\s+([\d.]+)/.exec(output)?.[1];
  const p50 = /\s50%\s+([\d.]+)(us|ms|s)\b/.exec(output);
  const scale = p50?.[2] === 'us' ? 0.001 : p50?.[2] === 's' ? 1000 : 1;
  const non2xx = Number(/Non-2xx or 3xx responses:\s+(\d+)/.exec(output)?.[1] ?? 0);
  const socketErrors = /Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)/
    .exec(output)
    ?.slice(1)
    .reduce((sum, n) => sum + Number(n), 0);
  if (rate === undefined || p50 === null) {
    throw new Error(`cannot read wrk's output: ${output.slice(0, 300)}`);
  }
  return {
    requestsPerSecond: Number(rate),
    p50Ms: Number(p50[1]) * scale,
    errors: non2xx + (socketErrors ?? 0),
  };
}
