// A Plugin Server as its own process (`plugboard server`), as deployed: for benchmarks whose
// other side (the platform) runs in the bench process and must not share its event loop.
import { spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { API_KEY } from './bench-server.ts';
import { stop } from './measure.ts';
import { freePort } from '../test/helpers/free-port.ts';
import { CLI } from './plugin-fixture.ts';

export interface ServerProcess {
  readonly url: string;
  readonly apiKey: string;
  close(): Promise<void>;
}

export async function startServerProcess(env: Record<string, string>): Promise<ServerProcess> {
  const dataDir = await mkdtemp(join(tmpdir(), 'plugboard-bench-server-'));
  const port = await freePort();
  const child = spawn(
    process.execPath,
    [CLI, 'server', '--port', String(port), '--data-dir', dataDir, '--dev'],
    {
      env: {
        PATH: process.env['PATH'] ?? '',
        PLUGBOARD_SERVER_API_KEYS: API_KEY,
        PLUGBOARD_SERVER_LOG_LEVEL: 'warn',
        ...env,
      },
      stdio: ['ignore', 'ignore', 'pipe'],
    },
  );
  await new Promise<void>((resolve, reject) => {
    let seen = '';
    child.stderr.on('data', (chunk: Buffer) => {
      seen += chunk.toString();
      if (seen.includes('listening on')) {
        resolve();
      }
    });
    child.once('exit', (code) => {
      reject(new Error(`plugboard server exited with ${String(code)}: ${seen}`));
    });
  });
  return {
    url: `http://127.0.0.1:${String(port)}`,
    apiKey: API_KEY,
    close: async () => {
      await stop(child);
      await rm(dataDir, { recursive: true, force: true });
    },
  };
}
