// nginx as the reference reverse proxy: `proxy_pass` with upstream keep-alive, one worker, from a
// generated config in a temp folder (no system config, logs or pid file touched), on a loopback
// port picked by binding port 0 first.
import { freePort } from '../test/helpers/free-port.ts';
import { spawn, type ChildProcess } from 'node:child_process';
import { constants } from 'node:fs';
import { access, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import { sleep, stop } from './measure.ts';

const READY_TIMEOUT_MS = 5_000;

export interface RunningNginx {
  readonly port: number;
  readonly close: () => Promise<void>;
}

/** The `nginx` on PATH, if any. */
export function findNginx(): Promise<string | undefined> {
  return findOnPath('nginx');
}

/** A program on PATH, if there is one. */
export async function findOnPath(name: string): Promise<string | undefined> {
  for (const dir of (process.env['PATH'] ?? '').split(delimiter)) {
    const candidate = join(dir, name);
    if (
      dir !== '' &&
      (await access(candidate, constants.X_OK).then(
        () => true,
        () => false,
      ))
    ) {
      return candidate;
    }
  }
  return undefined;
}

function config(dir: string, port: number, upstreamPort: number): string {
  // keepalive_requests is raised on both sides so neither nginx nor the client reconnects every
  // 1 000 requests (nginx's default); the Plugin Server has no such limit either.
  return `worker_processes 1;
pid ${dir}/nginx.pid;
error_log ${dir}/error.log warn;
events { worker_connections 1024; }
http {
  access_log off;
  client_body_temp_path ${dir}/client_body;
  proxy_temp_path ${dir}/proxy;
  fastcgi_temp_path ${dir}/fastcgi;
  uwsgi_temp_path ${dir}/uwsgi;
  scgi_temp_path ${dir}/scgi;
  keepalive_requests 1000000;
  upstream plugin {
    server 127.0.0.1:${String(upstreamPort)};
    keepalive 64;
    keepalive_requests 1000000;
  }
  server {
    listen 127.0.0.1:${String(port)};
    location / {
      proxy_pass http://plugin;
      proxy_http_version 1.1;
      proxy_set_header Connection "";
    }
  }
}
`;
}

function accepts(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1');
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => {
      resolve(false);
    });
  });
}

export async function startNginx(binary: string, upstreamPort: number): Promise<RunningNginx> {
  const dir = await mkdtemp(join(tmpdir(), 'plugboard-bench-nginx-'));
  const port = await freePort();
  await writeFile(join(dir, 'nginx.conf'), config(dir, port, upstreamPort));
  const child: ChildProcess = spawn(
    binary,
    ['-p', dir, '-c', join(dir, 'nginx.conf'), '-g', 'daemon off;'],
    { stdio: 'ignore' },
  );
  const close = async (): Promise<void> => {
    // SIGTERM is nginx's fast shutdown: the master stops its worker and exits.
    await stop(child);
    await rm(dir, { recursive: true, force: true });
  };
  const deadline = performance.now() + READY_TIMEOUT_MS;
  while (!(await accepts(port))) {
    if (child.exitCode !== null || performance.now() > deadline) {
      const log = await readFile(join(dir, 'error.log'), 'utf8').catch(() => '');
      await close();
      throw new Error(`nginx did not start listening on 127.0.0.1:${String(port)}: ${log}`);
    }
    await sleep(20);
  }
  return { port, close };
}
