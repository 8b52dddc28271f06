// A PostgreSQL instance of the test's own (initdb in a temp folder, its own port and socket
// folder), which the test may stop, start, freeze and thaw; never the machine's shared server.
// As root, the server runs as the `postgres` user (PostgreSQL refuses to run as root).
import { execFile } from 'node:child_process';
import { access, chown, mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { freePort } from '../../../../test/helpers/free-port.ts';

const run = promisify(execFile);

export interface OwnPostgres {
  readonly url: string;
  /** A fast shutdown: connections are closed, new ones refused. */
  stop(): Promise<void>;
  start(): Promise<void>;
  /** SIGSTOP to the server and its processes: connections stay open and nothing answers. */
  freeze(): Promise<void>;
  thaw(): Promise<void>;
  close(): Promise<void>;
}

/** Where the server's programs are: Debian keeps them per version, off PATH. */
async function binDir(): Promise<string> {
  const versions = await readdir('/usr/lib/postgresql').catch(() => []);
  const newest = versions
    .map(Number)
    .filter((v) => Number.isInteger(v))
    .sort((a, b) => b - a)
    .map((v) => `/usr/lib/postgresql/${String(v)}/bin`);
  for (const dir of newest) {
    if (
      await access(join(dir, 'initdb')).then(
        () => true,
        () => false,
      )
    ) {
      return dir;
    }
  }
  const { stdout } = await run('sh', ['-c', 'dirname "$(command -v initdb)"']);
  return stdout.trim();
}

export async function startOwnPostgres(): Promise<OwnPostgres> {
  const dir = await mkdtemp(join(tmpdir(), 'plugboard-own-pg-'));
  const data = join(dir, 'data');
  const bin = await binDir();
  const asRoot = process.getuid?.() === 0;
  if (asRoot) {
    const uid = Number((await run('id', ['-u', 'postgres'])).stdout.trim());
    const gid = Number((await run('id', ['-g', 'postgres'])).stdout.trim());
    await chown(dir, uid, gid);
  }
  const pg = (program: string, args: readonly string[]) =>
    asRoot
      ? run('runuser', ['-u', 'postgres', '--', join(bin, program), ...args])
      : run(join(bin, program), [...args]);
  await pg('initdb', ['-D', data, '-A', 'trust', '-U', 'postgres', '--no-sync', '-E', 'UTF8']);
  const port = await freePort();
  const options = `-p ${String(port)} -k ${dir} -c listen_addresses=127.0.0.1 -c fsync=off`;
  const start = async () => {
    await pg('pg_ctl', ['-D', data, '-w', '-l', join(dir, 'log'), '-o', options, 'start']);
  };
  const stop = async () => {
    await pg('pg_ctl', ['-D', data, '-w', '-m', 'fast', 'stop']);
  };
  let frozen: number[] = [];
  /** The server's pid (from its pid file) and its children's (from /proc): all recorded here. */
  const serverPids = async (): Promise<number[]> => {
    const main = Number((await readFile(join(data, 'postmaster.pid'), 'utf8')).split('\n')[0]);
    const children = await readFile(`/proc/${String(main)}/task/${String(main)}/children`, 'utf8');
    return [main, ...children.split(/\s+/).filter(Boolean).map(Number)];
  };
  const signal = (pids: readonly number[], name: NodeJS.Signals) => {
    for (const pid of pids) {
      try {
        process.kill(pid, name);
      } catch {
        // Exited meanwhile.
      }
    }
  };
  await start();
  return {
    url: `postgres://postgres@127.0.0.1:${String(port)}/postgres`,
    stop,
    start,
    freeze: async () => {
      frozen = await serverPids();
      signal(frozen, 'SIGSTOP');
    },
    thaw: async () => {
      signal(frozen, 'SIGCONT');
      frozen = [];
      await Promise.resolve();
    },
    close: async () => {
      signal(frozen, 'SIGCONT');
      await stop().catch(() => undefined);
      await rm(dir, { recursive: true, force: true });
    },
  };
}
