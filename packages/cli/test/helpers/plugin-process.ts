// Starts `plugboard plugin serve` as a real child process on a real port, reads its handshake
// and collects its stderr log, for tests.
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';
import { parseHandshake } from '@plugboard/protocol';

export const CLI_BIN = fileURLToPath(new URL('../../bin/plugboard.js', import.meta.url));
export const FIXTURE_DIR = fileURLToPath(new URL('../fixtures/behaviours', import.meta.url));
export const TOKEN = 'test-token-0123456789abcdef';

export interface PluginProcess {
  readonly child: ChildProcess;
  readonly url: string;
  readonly port: number;
  readonly stdout: () => string;
  /** Everything it wrote to stderr: its log lines and whatever else (Node's own debug output). */
  readonly stderr: () => string;
  readonly logs: () => Record<string, unknown>[];
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  call(
    path: string,
    body?: unknown,
    init?: RequestInit & { token?: string | null },
  ): Promise<Response>;
  waitForLog(
    predicate: (line: Record<string, unknown>) => boolean,
    timeoutMs?: number,
  ): Promise<Record<string, unknown>>;
  stop(): Promise<void>;
}

export interface StartOptions {
  readonly dir?: string;
  readonly args?: readonly string[];
  readonly env?: Record<string, string>;
}

export async function startPluginProcess(options: StartOptions = {}): Promise<PluginProcess> {
  const child = spawn(
    process.execPath,
    [
      CLI_BIN,
      'plugin',
      'serve',
      options.dir ?? FIXTURE_DIR,
      '--port',
      '0',
      ...(options.args ?? []),
    ],
    {
      env: { PATH: process.env['PATH'] ?? '', PLUGBOARD_PLUGIN_TOKEN: TOKEN, ...options.env },
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  let stdout = '';
  let stderr = '';
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
  const exited = once(child, 'exit').then(([code, signal]) => ({
    code: code as number | null,
    signal: signal as NodeJS.Signals | null,
  }));
  const logs = (): Record<string, unknown>[] =>
    stderr
      .split('\n')
      .filter((line) => line.startsWith('{'))
      .map((line) => JSON.parse(line) as Record<string, unknown>);

  const line = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => {
      reject(new Error(`no handshake within 10 s; stderr:\n${stderr}`));
    }, 10_000);
    const check = (): void => {
      const end = stdout.indexOf('\n');
      if (end >= 0) {
        clearTimeout(timer);
        resolve(stdout.slice(0, end));
      }
    };
    child.stdout.on('data', check);
    void exited.then(({ code }) => {
      clearTimeout(timer);
      reject(new Error(`exited with ${String(code)} before the handshake; stderr:\n${stderr}`));
    });
  });
  const parsed = parseHandshake(line);
  if (!parsed.ok || parsed.handshake.transport !== 'tcp') {
    throw new Error(parsed.ok ? 'the plugin announced a Unix socket' : parsed.reason);
  }
  const url = `http://127.0.0.1:${String(parsed.handshake.port)}`;

  return {
    child,
    url,
    port: parsed.handshake.port,
    stdout: () => stdout,
    stderr: () => stderr,
    logs,
    exited,
    call(path, body, init = {}) {
      const { token = TOKEN, headers, ...rest } = init;
      return fetch(`${url}${path}`, {
        method: body === undefined ? 'GET' : 'POST',
        ...(body === undefined
          ? {}
          : { body: typeof body === 'string' ? body : JSON.stringify(body) }),
        ...rest,
        headers: {
          ...(token === null ? {} : { authorization: `Bearer ${token}` }),
          ...(headers as Record<string, string> | undefined),
        },
      });
    },
    async waitForLog(predicate, timeoutMs = 5_000) {
      const deadline = Date.now() + timeoutMs;
      while (Date.now() < deadline) {
        const found = logs().find(predicate);
        if (found !== undefined) {
          return found;
        }
        await new Promise((resolve) => setTimeout(resolve, 25));
      }
      throw new Error(`no matching log line within ${String(timeoutMs)} ms; stderr:\n${stderr}`);
    },
    async stop() {
      if (child.exitCode === null && child.signalCode === null) {
        child.kill('SIGTERM');
      }
      await exited;
    },
  };
}
