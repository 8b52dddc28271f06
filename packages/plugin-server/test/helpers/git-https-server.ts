// A real git server over HTTPS for tests: a self-signed certificate for 127.0.0.1 made with the
// openssl CLI, Node's https server, and `git http-backend` run as CGI behind it. Private repos
// want `Authorization: Basic` carrying their token; stalled repos never answer.
import { execFile, spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdir, mkdtemp, readFile, rm, symlink, writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:https';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';

const execFileAsync = promisify(execFile);

interface ServedRequest {
  readonly method: string;
  /** Path and query as the client sent them. */
  readonly url: string;
  readonly repo: string;
  /** Whether an Authorization header came, and whether it carried the repo's token. */
  readonly authorization: 'none' | 'valid' | 'invalid';
}

interface CreateRepoOptions {
  /** Makes the repo private: every request needs Basic auth with this token as the password. */
  readonly token?: string;
  /**
   * Default true: clients may fetch any commit by sha. False serves protocol v0 without
   * uploadpack.allowAnySHA1InWant, so only advertised refs can be fetched.
   */
  readonly allowShaWant?: boolean;
  /** Symbolic links (path → target) added in the first commit. */
  readonly symlinks?: Readonly<Record<string, string>>;
  /** Later commits on main, each writing these files over the previous content. */
  readonly commits?: readonly Readonly<Record<string, string>>[];
  /** Branches made from the first commit, each with one commit writing these files. */
  readonly branches?: Readonly<Record<string, Readonly<Record<string, string>>>>;
  /** Annotated tags on main: tag name → index in `commits` of the result (0 = first commit). */
  readonly tags?: Readonly<Record<string, number>>;
}

export interface TestRepo {
  readonly name: string;
  readonly url: string;
  /** Shas on main, oldest first; the last one is HEAD. */
  readonly commits: readonly string[];
  readonly branches: Readonly<Record<string, string>>;
  readonly tags: Readonly<Record<string, string>>;
}

export interface GitHttpsServer {
  /** https://127.0.0.1:<port> */
  readonly url: string;
  /** The server's self-signed certificate, to trust as a CA. */
  readonly caFile: string;
  readonly requests: ServedRequest[];
  createRepo(
    name: string,
    files: Readonly<Record<string, string>>,
    options?: CreateRepoOptions,
  ): Promise<TestRepo>;
  /** A repo URL whose requests are accepted and then never answered. */
  stall(name: string, options?: { readonly token?: string }): string;
  close(): Promise<void>;
}

interface RepoSettings {
  readonly token: string | undefined;
  readonly allowShaWant: boolean;
  readonly stalled: boolean;
}

export async function startGitHttpsServer(): Promise<GitHttpsServer> {
  const root = await mkdtemp(path.join(tmpdir(), 'plugboard-git-server-'));
  const projects = path.join(root, 'projects');
  const home = path.join(root, 'home');
  await mkdir(projects);
  await mkdir(home);
  const env = gitEnvironment(home);
  const { keyFile, certFile } = await makeCertificate(root);
  const repos = new Map<string, RepoSettings>();
  const requests: ServedRequest[] = [];

  const server: Server = createServer({
    key: await readFile(keyFile),
    cert: await readFile(certFile),
  });
  server.on('request', (req: IncomingMessage, res: ServerResponse) => {
    const url = new URL(req.url ?? '/', 'https://127.0.0.1');
    const repo = (url.pathname.split('/')[1] ?? '').replace(/\.git$/, '');
    const settings = repos.get(repo);
    const authorization = checkAuthorization(req.headers.authorization, settings?.token);
    requests.push({ method: req.method ?? '', url: req.url ?? '', repo, authorization });
    if (settings?.stalled === true) {
      return;
    }
    if (settings === undefined) {
      res.writeHead(404).end();
      return;
    }
    if (settings.token !== undefined && authorization !== 'valid') {
      res.writeHead(401, { 'WWW-Authenticate': 'Basic realm="git"' }).end();
      return;
    }
    serveCgi(req, res, { url, env, projects, settings });
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const base = `https://127.0.0.1:${String((server.address() as AddressInfo).port)}`;

  return {
    url: base,
    caFile: certFile,
    requests,
    async createRepo(name, files, options = {}) {
      const repo = await buildRepo({ root, projects, env }, name, { files, ...options });
      repos.set(name, {
        token: options.token,
        allowShaWant: options.allowShaWant ?? true,
        stalled: false,
      });
      return { ...repo, name, url: `${base}/${name}.git` };
    },
    stall(name, options = {}) {
      repos.set(name, { token: options.token, allowShaWant: true, stalled: true });
      return `${base}/${name}.git`;
    },
    async close() {
      server.close();
      // Stalled requests would otherwise keep the server open forever.
      server.closeAllConnections();
      await once(server, 'close');
      await rm(root, { recursive: true, force: true });
    },
  };
}

/** Runs the helper's own git, isolated from the machine's user and system config. */
function gitEnvironment(home: string): Record<string, string> {
  return {
    PATH: process.env['PATH'] ?? '/usr/bin:/bin',
    HOME: home,
    XDG_CONFIG_HOME: home,
    LC_ALL: 'C',
    GIT_CONFIG_NOSYSTEM: '1',
    GIT_CONFIG_GLOBAL: '/dev/null',
  };
}

async function makeCertificate(root: string): Promise<{ keyFile: string; certFile: string }> {
  const keyFile = path.join(root, 'key.pem');
  const certFile = path.join(root, 'cert.pem');
  await execFileAsync('openssl', [
    'req',
    '-x509',
    '-newkey',
    'ec',
    '-pkeyopt',
    'ec_paramgen_curve:prime256v1',
    '-nodes',
    '-keyout',
    keyFile,
    '-out',
    certFile,
    '-days',
    '2',
    '-subj',
    '/CN=127.0.0.1',
    '-addext',
    'subjectAltName=IP:127.0.0.1',
  ]);
  return { keyFile, certFile };
}

function checkAuthorization(
  header: string | undefined,
  token: string | undefined,
): ServedRequest['authorization'] {
  if (header === undefined) {
    return 'none';
  }
  const match = /^Basic (.+)$/i.exec(header);
  if (match === null || token === undefined) {
    return 'invalid';
  }
  const decoded = Buffer.from(match[1] ?? '', 'base64').toString('utf8');
  return decoded.slice(decoded.indexOf(':') + 1) === token ? 'valid' : 'invalid';
}

interface CgiInput {
  readonly url: URL;
  readonly env: Record<string, string>;
  readonly projects: string;
  readonly settings: RepoSettings;
}

function serveCgi(req: IncomingMessage, res: ServerResponse, input: CgiInput): void {
  const { url, env, projects, settings } = input;
  const header = (name: string): Record<string, string> => {
    const value = req.headers[name.toLowerCase()];
    return typeof value === 'string'
      ? { [`HTTP_${name.toUpperCase().replace(/-/g, '_')}`]: value }
      : {};
  };
  const child = spawn('git', ['http-backend'], {
    env: {
      ...env,
      GIT_PROJECT_ROOT: projects,
      GIT_HTTP_EXPORT_ALL: '1',
      REQUEST_METHOD: req.method ?? 'GET',
      PATH_INFO: decodeURIComponent(url.pathname),
      QUERY_STRING: url.search.slice(1),
      CONTENT_TYPE: req.headers['content-type'] ?? '',
      ...(req.headers['content-length'] === undefined
        ? {}
        : { CONTENT_LENGTH: req.headers['content-length'] }),
      REMOTE_ADDR: req.socket.remoteAddress ?? '',
      ...(settings.token === undefined ? {} : { REMOTE_USER: 'client' }),
      ...header('Content-Encoding'),
      // Without this http-backend speaks protocol v0, which honours the want-sha settings.
      ...(settings.allowShaWant ? header('Git-Protocol') : {}),
    },
    stdio: ['pipe', 'pipe', 'ignore'],
  });
  req.pipe(child.stdin);
  child.stdin.on('error', () => undefined);
  res.on('close', () => {
    if (child.exitCode === null) {
      child.kill('SIGKILL');
    }
  });
  child.on('error', () => {
    if (!res.headersSent) {
      res.writeHead(500);
    }
    res.end();
  });

  let head = Buffer.alloc(0);
  let headersDone = false;
  child.stdout.on('data', (chunk: Buffer) => {
    if (headersDone) {
      if (!res.write(chunk)) {
        child.stdout.pause();
        res.once('drain', () => child.stdout.resume());
      }
      return;
    }
    head = Buffer.concat([head, chunk]);
    const text = head.toString('latin1');
    const crlf = text.indexOf('\r\n\r\n');
    const lf = text.indexOf('\n\n');
    const [end, separator] = crlf !== -1 && (lf === -1 || crlf < lf) ? [crlf, 4] : [lf, 2];
    if (end === -1) {
      return;
    }
    headersDone = true;
    let status = 200;
    for (const line of text.slice(0, end).split(/\r?\n/)) {
      const colon = line.indexOf(':');
      const name = line.slice(0, colon).trim();
      const value = line.slice(colon + 1).trim();
      if (name.toLowerCase() === 'status') {
        status = Number.parseInt(value, 10);
      } else if (colon > 0) {
        res.appendHeader(name, value);
      }
    }
    res.writeHead(status);
    res.write(head.subarray(end + separator));
  });
  child.stdout.on('end', () => {
    if (!headersDone) {
      res.writeHead(502);
    }
    res.end();
  });
}

interface RepoPlaces {
  readonly root: string;
  readonly projects: string;
  readonly env: Record<string, string>;
}

interface RepoContent extends CreateRepoOptions {
  readonly files: Readonly<Record<string, string>>;
}

async function buildRepo(
  places: RepoPlaces,
  name: string,
  content: RepoContent,
): Promise<Omit<TestRepo, 'name' | 'url'>> {
  const work = path.join(places.root, 'work', name);
  await mkdir(work, { recursive: true });
  const git = async (...args: string[]): Promise<string> => {
    const { stdout } = await execFileAsync(
      'git',
      ['-c', 'user.name=Test', '-c', 'user.email=test@example.com', ...args],
      { cwd: work, env: places.env },
    );
    return stdout.trim();
  };
  const commitFiles = async (files: Readonly<Record<string, string>>, message: string) => {
    await writeFiles(work, files);
    await git('add', '--all');
    await git('commit', '--quiet', '--allow-empty', '-m', message);
    return git('rev-parse', 'HEAD');
  };

  await git('init', '--quiet', '--initial-branch=main');
  for (const [link, target] of Object.entries(content.symlinks ?? {})) {
    await mkdir(path.dirname(path.join(work, link)), { recursive: true });
    await symlink(target, path.join(work, link));
  }
  const commits = [await commitFiles(content.files, 'commit 0')];
  for (const [index, files] of (content.commits ?? []).entries()) {
    commits.push(await commitFiles(files, `commit ${String(index + 1)}`));
  }
  const tags: Record<string, string> = {};
  for (const [tag, index] of Object.entries(content.tags ?? {})) {
    const target = commits[index]!;
    await git('tag', '--annotate', '-m', tag, tag, target);
    tags[tag] = target;
  }
  const branches: Record<string, string> = {};
  for (const [branch, files] of Object.entries(content.branches ?? {})) {
    await git('checkout', '--quiet', '-b', branch, commits[0]!);
    branches[branch] = await commitFiles(files, `branch ${branch}`);
  }
  await git('checkout', '--quiet', 'main');

  const bare = path.join(places.projects, `${name}.git`);
  await git('clone', '--quiet', '--bare', work, bare);
  if (content.allowShaWant ?? true) {
    await git('--git-dir', bare, 'config', 'uploadpack.allowAnySHA1InWant', 'true');
  }
  return { commits, branches, tags };
}

async function writeFiles(dir: string, files: Readonly<Record<string, string>>): Promise<void> {
  for (const [name, text] of Object.entries(files)) {
    await mkdir(path.dirname(path.join(dir, name)), { recursive: true });
    await writeFile(path.join(dir, name), text);
  }
}
