// The bench's side of platform-child.ts: starts the stand-in in its own process and forwards the
// few calls the file bridge benchmark makes (add a file on disk, grant a call token, read what was
// uploaded, close).
import { fork, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';
import type { FileRef } from '@plugboard/protocol';
import type { ReceivedUpload } from '../packages/plugin-server/test/helpers/platform-stand-in.ts';
import type { PlatformCall, PlatformReply } from './platform-child.ts';

const CHILD = fileURLToPath(new URL('platform-child.ts', import.meta.url));
const CLOSE_LIMIT_MS = 5_000;

export interface PlatformProcess {
  readonly url: string;
  readonly apiKey: string;
  readonly pid: number;
  /** The stand-in states the size of every file it holds. */
  addFile(id: string, path: string): Promise<FileRef & { size: number }>;
  /** Lets `token` read `ids` and store new files. */
  grant(token: string, ids: readonly string[]): Promise<void>;
  uploads(): Promise<readonly ReceivedUpload[]>;
  close(): Promise<void>;
}

export async function startPlatformProcess(): Promise<PlatformProcess> {
  // No inherited flags (a --cpu-prof of the bench, say): the child runs as a plain platform would.
  const child: ChildProcess = fork(CHILD, [], {
    execArgv: [],
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  const pending = new Map<number, { resolve: (v: unknown) => void; reject: (e: Error) => void }>();
  let seq = 0;
  child.on('message', (reply: PlatformReply) => {
    const waiter = pending.get(reply.seq);
    pending.delete(reply.seq);
    if (reply.error === undefined) {
      waiter?.resolve(reply.result);
    } else {
      waiter?.reject(new Error(`platform stand-in: ${reply.error}`));
    }
  });
  child.once('exit', (code) => {
    for (const waiter of pending.values()) {
      waiter.reject(new Error(`the platform stand-in exited (${String(code)})`));
    }
    pending.clear();
  });
  const ask = <T>(request: PlatformCall): Promise<T> => {
    seq += 1;
    const reply = new Promise<T>((resolve, reject) => {
      pending.set(seq, { resolve: resolve as (v: unknown) => void, reject });
    });
    child.send({ ...request, seq });
    return reply;
  };
  const started = new Promise<{ url: string; apiKey: string }>((resolve, reject) => {
    pending.set(0, { resolve: resolve as (v: unknown) => void, reject });
  });
  const { url, apiKey } = await started;
  return {
    url,
    apiKey,
    pid: child.pid ?? 0,
    addFile: (id, path) => ask<FileRef & { size: number }>({ op: 'addFile', id, path }),
    grant: (token, ids) => ask<undefined>({ op: 'grant', token, ids: [...ids] }),
    uploads: () => ask<ReceivedUpload[]>({ op: 'uploads' }),
    async close() {
      if (child.exitCode === null && child.signalCode === null) {
        const exited = once(child, 'exit');
        // Bounded: a stand-in stuck on a half-finished transfer is killed rather than waited for.
        const timer = setTimeout(() => child.kill('SIGKILL'), CLOSE_LIMIT_MS);
        await ask({ op: 'close' }).catch(() => undefined);
        await exited;
        clearTimeout(timer);
      }
    },
  };
}
