// fetchGitSource against a real git server over HTTPS: refs, commits, subdirectories, private
// repos, limits, and the URLs and inputs that must be refused before git ever runs.
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ServerError } from '../src/errors.ts';
import { fetchGitSource, redactSecrets, type GitFetchOptions } from '../src/sources/git.ts';
import { checkGitHost, isInternalAddress } from '../src/sources/git-url.ts';
import type { GitSource } from '@plugboard/server-api';
import {
  startGitHttpsServer,
  type GitHttpsServer,
  type TestRepo,
} from './helpers/git-https-server.ts';

const TOKEN = 'ghp_TestToken0123456789abcdefSECRET';
const WRONG_TOKEN = 'ghp_WrongToken9876543210zyxwvuWRONG';

let server: GitHttpsServer;
let work: string;
let canaryDir: string;
let pub: TestRepo;
let v0: TestRepo;
let secret: TestRepo;
let linked: TestRepo;
let big: TestRepo;
let noisy: TestRepo;

beforeAll(async () => {
  work = await mkdtemp(path.join(tmpdir(), 'plugboard-git-test-'));
  canaryDir = path.join(work, 'canary');
  await mkdir(canaryDir);
  server = await startGitHttpsServer();
  [pub, v0, secret, linked, big, noisy] = await Promise.all([
    server.createRepo(
      'pub',
      {
        'package.json': '{"v":1}',
        'README.md': 'readme',
        'plugin/manifest.json': 'manifest v1',
        'plugin/src/index.ts': 'export {};',
      },
      {
        commits: [{ 'package.json': '{"v":2}' }, { 'package.json': '{"v":3}' }],
        tags: { 'v1.0.0': 1 },
        branches: { 'feature/x': { 'feature.txt': 'on the branch' } },
      },
    ),
    server.createRepo(
      'v0',
      { 'a.txt': 'old' },
      { commits: [{ 'a.txt': 'new' }], allowShaWant: false },
    ),
    server.createRepo('secret', { 'secret.txt': 'private content' }, { token: TOKEN }),
    server.createRepo('linked', { 'a.txt': 'a' }, { symlinks: { link: '/etc/passwd' } }),
    server.createRepo('big', { 'big.bin': 'x'.repeat(300_000) }),
    // Random bytes do not compress, so the download itself is large.
    server.createRepo('noisy', { 'noise.txt': randomBytes(300_000).toString('base64') }),
  ]);
});

afterAll(async () => {
  await server.close();
  await rm(work, { recursive: true, force: true });
});

let destinations = 0;
async function freshDestination(): Promise<string> {
  destinations += 1;
  const destination = path.join(work, `dest-${String(destinations)}`);
  await mkdir(destination);
  return destination;
}

function options(overrides: Partial<GitFetchOptions> = {}): GitFetchOptions {
  return {
    timeoutMs: 15_000,
    maxBytes: 1_000_000,
    allowPrivateHosts: true,
    caFile: server.caFile,
    ...overrides,
  };
}

async function fetchInto(
  source: Omit<GitSource, 'type'>,
  overrides: Partial<GitFetchOptions> = {},
): Promise<{ commit: string; destination: string }> {
  const destination = await freshDestination();
  const { commit } = await fetchGitSource(
    { type: 'git', ...source },
    destination,
    options(overrides),
  );
  return { commit, destination };
}

async function fetchError(
  source: Omit<GitSource, 'type'>,
  overrides: Partial<GitFetchOptions> = {},
): Promise<ServerError & { destination: string }> {
  const destination = await freshDestination();
  try {
    await fetchGitSource({ type: 'git', ...source }, destination, options(overrides));
  } catch (error) {
    expect(error).toBeInstanceOf(ServerError);
    return Object.assign(error as ServerError, { destination });
  }
  return expect.fail('fetchGitSource should have failed');
}

interface GitRecorder {
  /** A git executable that logs its arguments, then runs the real git. */
  readonly gitBinary: string;
  /** The log as written, or undefined while git never ran. */
  log(): Promise<string | undefined>;
  /** The arguments of every run so far, oldest first. */
  invocations(): Promise<string[][]>;
}

let recorders = 0;
/** A fresh wrapper for GitFetchOptions.gitBinary, logging to a file of its own. */
async function gitRecorder(): Promise<GitRecorder> {
  recorders += 1;
  const dir = path.join(work, `recorder-${String(recorders)}`);
  await mkdir(dir);
  const logFile = path.join(dir, 'argv.log');
  const gitBinary = path.join(dir, 'recording-git');
  expect(logFile).not.toContain("'");
  // One line per run: every argument ended by NUL (which no argument can hold), then a newline.
  // exec keeps the pid, so the process-group kill and the /proc checks still see git itself.
  await writeFile(
    gitBinary,
    `#!/bin/sh\n{ printf '%s\\0' "$@"; printf '\\n'; } >> '${logFile}'\nexec git "$@"\n`,
    { mode: 0o755 },
  );
  const log = (): Promise<string | undefined> =>
    readFile(logFile, 'utf8').catch((error: unknown) => {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') {
        return undefined;
      }
      throw error;
    });
  return {
    gitBinary,
    log,
    async invocations() {
      const text = (await log()) ?? '';
      expect(text === '' || text.endsWith('\0\n')).toBe(true);
      return text
        .split('\0\n')
        .slice(0, -1)
        .map((line) => line.split('\0'));
    },
  };
}

async function listTree(dir: string): Promise<string[]> {
  return (await readdir(dir, { recursive: true })).sort();
}

/** Command lines of live processes that mention `text`. */
async function processesMentioning(text: string): Promise<string[]> {
  const found: string[] = [];
  for (const pid of await readdir('/proc')) {
    if (!/^\d+$/.test(pid) || Number(pid) === process.pid) {
      continue;
    }
    const commandLine = await readFile(`/proc/${pid}/cmdline`, 'utf8').catch(() => '');
    if (commandLine.includes(text)) {
      found.push(`${pid}: ${commandLine.replaceAll('\0', ' ')}`);
    }
  }
  return found;
}

async function waitFor(
  condition: () => boolean | Promise<boolean>,
  timeoutMs = 5000,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) {
      throw new ServerError('PSRV_INTERNAL', 'condition not met in time');
    }
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

describe('fetching', () => {
  it('fetches the default branch without .git', async () => {
    const { commit, destination } = await fetchInto({ url: pub.url });
    expect(commit).toBe(pub.commits[2]);
    expect(await listTree(destination)).toEqual([
      'README.md',
      'package.json',
      'plugin',
      'plugin/manifest.json',
      'plugin/src',
      'plugin/src/index.ts',
    ]);
    expect(await readFile(path.join(destination, 'package.json'), 'utf8')).toBe('{"v":3}');
  });

  it('runs git locked down, with the URL after "--"', async () => {
    const recorder = await gitRecorder();
    await fetchInto({ url: pub.url, token: TOKEN }, { gitBinary: recorder.gitBinary });
    const commands = await recorder.invocations();
    const fetch = commands.find((argv) => argv.includes('fetch'));
    expect(fetch).toBeDefined();
    expect(fetch![fetch!.indexOf(pub.url) - 1]).toBe('--');
    for (const argv of commands) {
      for (const setting of [
        'protocol.allow=never',
        'protocol.https.allow=always',
        'core.symlinks=false',
        'core.hooksPath=/dev/null',
        'submodule.recurse=false',
        'http.followRedirects=false',
      ]) {
        expect(argv[argv.indexOf(setting) - 1]).toBe('-c');
      }
    }
    const header = Buffer.from(`x-access-token:${TOKEN}`).toString('base64');
    for (const secretText of [TOKEN, header]) {
      expect(commands.flat().some((arg) => arg.includes(secretText))).toBe(false);
      expect(await recorder.log()).not.toContain(secretText);
    }
  });

  it('reports a git binary that cannot be run', async () => {
    const missing = path.join(work, 'no-such-git');
    const error = await fetchError({ url: pub.url }, { gitBinary: missing });
    expect(error.code).toBe('PSRV_GIT_FAILED');
    expect(error.message).toContain('could not run git');
    expect(error.details?.['reason']).toBe('ENOENT');
  });

  it('fetches a branch', async () => {
    const { commit, destination } = await fetchInto({ url: pub.url, ref: 'feature/x' });
    expect(commit).toBe(pub.branches['feature/x']);
    expect(await readFile(path.join(destination, 'feature.txt'), 'utf8')).toBe('on the branch');
    expect(await readFile(path.join(destination, 'package.json'), 'utf8')).toBe('{"v":1}');
  });

  it('fetches an annotated tag as its commit', async () => {
    const { commit, destination } = await fetchInto({ url: pub.url, ref: 'v1.0.0' });
    expect(commit).toBe(pub.tags['v1.0.0']);
    expect(commit).toBe(pub.commits[1]);
    expect(await readFile(path.join(destination, 'package.json'), 'utf8')).toBe('{"v":2}');
  });

  it('fetches an exact commit older than HEAD, which wins over ref', async () => {
    const { commit, destination } = await fetchInto({
      url: pub.url,
      ref: 'feature/x',
      commit: pub.commits[0]!,
    });
    expect(commit).toBe(pub.commits[0]);
    expect(await readFile(path.join(destination, 'package.json'), 'utf8')).toBe('{"v":1}');
    expect(existsSync(path.join(destination, 'feature.txt'))).toBe(false);
  });

  it('fetches a commit by its abbreviated sha', async () => {
    const { commit, destination } = await fetchInto({
      url: pub.url,
      commit: pub.commits[1]!.slice(0, 10),
    });
    expect(commit).toBe(pub.commits[1]);
    expect(await readFile(path.join(destination, 'package.json'), 'utf8')).toBe('{"v":2}');
  });

  it('falls back to fetching every branch when the server refuses a sha', async () => {
    const recorder = await gitRecorder();
    const { commit, destination } = await fetchInto(
      { url: v0.url, commit: v0.commits[0]! },
      { gitBinary: recorder.gitBinary },
    );
    const fetches = (await recorder.invocations()).filter((argv) => argv.includes('fetch'));
    expect(fetches.map((argv) => argv.includes('--depth=1'))).toEqual([true, false]);
    expect(commit).toBe(v0.commits[0]);
    expect(await readFile(path.join(destination, 'a.txt'), 'utf8')).toBe('old');
  });

  it('puts only the subdirectory, at the root of the destination', async () => {
    const { commit, destination } = await fetchInto({ url: pub.url, subdirectory: 'plugin/' });
    expect(commit).toBe(pub.commits[2]);
    expect(await listTree(destination)).toEqual(['manifest.json', 'src', 'src/index.ts']);
    expect(await readFile(path.join(destination, 'manifest.json'), 'utf8')).toBe('manifest v1');
  });

  it('refuses a subdirectory that does not exist or is a file, naming it', async () => {
    for (const subdirectory of ['nope', 'plugin/manifest.json']) {
      const error = await fetchError({ url: pub.url, subdirectory });
      expect(error.code).toBe('PSRV_SOURCE_REFUSED');
      expect(error.message).toContain(subdirectory);
      expect(await readdir(error.destination)).toEqual([]);
    }
  });

  it('refuses a commit that is not in the repository', async () => {
    const error = await fetchError({ url: pub.url, commit: 'deadbeef'.repeat(5) });
    expect(error.code).toBe('PSRV_SOURCE_REFUSED');
  });

  it('refuses a ref that does not exist', async () => {
    const error = await fetchError({ url: pub.url, ref: 'no-such-branch' });
    expect(error.code).toBe('PSRV_SOURCE_REFUSED');
    expect(error.message).toContain('no-such-branch');
  });
});

describe('private repositories', () => {
  it('sends the token as a Basic Authorization header, never in the URL', async () => {
    const before = server.requests.length;
    const { destination } = await fetchInto({ url: secret.url, token: TOKEN });
    expect(await readFile(path.join(destination, 'secret.txt'), 'utf8')).toBe('private content');
    const requests = server.requests.slice(before).filter(({ repo }) => repo === 'secret');
    expect(requests.length).toBeGreaterThan(0);
    expect(requests.every(({ authorization }) => authorization === 'valid')).toBe(true);
    expect(requests.some(({ url }) => url.includes(TOKEN))).toBe(false);
  });

  it('fails without a token', async () => {
    const error = await fetchError({ url: secret.url });
    expect(error.code).toBe('PSRV_GIT_FAILED');
    expect(error.message).toContain('refused access');
  });

  it('fails with a wrong token and never reports it', async () => {
    const error = await fetchError({ url: secret.url, token: WRONG_TOKEN });
    expect(error.code).toBe('PSRV_GIT_FAILED');
    expect(error.details?.['stderr']).toEqual(expect.any(String));
    const reported = JSON.stringify({ message: error.message, envelope: error.toEnvelope() });
    const header = Buffer.from(`x-access-token:${WRONG_TOKEN}`).toString('base64');
    expect(reported).not.toContain(WRONG_TOKEN);
    expect(reported).not.toContain(header);
    expect(String(error.stack)).not.toContain(WRONG_TOKEN);
  });

  it('keeps the token out of every process command line, and cancels on abort', async () => {
    const url = server.stall('stalled-secret', { token: TOKEN });
    const controller = new AbortController();
    const destination = await freshDestination();
    const fetching = fetchGitSource({ type: 'git', url, token: TOKEN }, destination, {
      ...options(),
      signal: controller.signal,
    });
    const settled = fetching.catch((error: unknown) => error);
    await waitFor(() => server.requests.some(({ repo }) => repo === 'stalled-secret'));
    expect(server.requests.find(({ repo }) => repo === 'stalled-secret')?.authorization).toBe(
      'valid',
    );
    expect(await processesMentioning(url)).not.toEqual([]);
    expect(await processesMentioning(TOKEN)).toEqual([]);
    expect(
      await processesMentioning(Buffer.from(`x-access-token:${TOKEN}`).toString('base64')),
    ).toEqual([]);
    controller.abort();
    const error = (await settled) as ServerError;
    expect(error).toBeInstanceOf(ServerError);
    expect(error.code).toBe('PSRV_SOURCE_TIMEOUT');
    expect(error.details?.['cancelled']).toBe(true);
    await waitFor(async () => (await processesMentioning(url)).length === 0, 2000);
  });
});

describe('limits', () => {
  it('times out on a stalled server and leaves no git process behind', async () => {
    const url = server.stall('stalled');
    const started = Date.now();
    const error = await fetchError({ url }, { timeoutMs: 800 });
    expect(error.code).toBe('PSRV_SOURCE_TIMEOUT');
    expect(Date.now() - started).toBeLessThan(4000);
    expect(server.requests.some(({ repo }) => repo === 'stalled')).toBe(true);
    await waitFor(async () => (await processesMentioning(url)).length === 0, 2000);
  });

  it('refuses content larger than maxBytes before writing it', async () => {
    const error = await fetchError({ url: big.url }, { maxBytes: 100_000 });
    expect(error.code).toBe('PSRV_SOURCE_TOO_LARGE');
    expect(await readdir(error.destination)).toEqual([]);
    await expect(fetchInto({ url: big.url }, { maxBytes: 400_000 })).resolves.toBeDefined();
  });

  it('stops a download larger than maxBytes', async () => {
    const error = await fetchError({ url: noisy.url }, { maxBytes: 200_000 });
    expect(error.code).toBe('PSRV_SOURCE_TOO_LARGE');
    expect(error.message).toContain('download');
    expect(await readdir(error.destination)).toEqual([]);
  });

  it('refuses a repository holding a symbolic link', async () => {
    const error = await fetchError({ url: linked.url });
    expect(error.code).toBe('PSRV_SOURCE_REFUSED');
    expect(error.message).toContain('"link"');
    expect(await readdir(error.destination)).toEqual([]);
  });
});

describe('refused before git runs', () => {
  const canary = (): string => path.join(canaryDir, 'pwned');

  async function expectRefused(
    source: Omit<GitSource, 'type'>,
    code: ServerError['code'],
    overrides: Partial<GitFetchOptions> = {},
  ): Promise<ServerError> {
    const recorder = await gitRecorder();
    const requestsBefore = server.requests.length;
    const error = await fetchError(source, { gitBinary: recorder.gitBinary, ...overrides });
    expect(error.code).toBe(code);
    expect(await recorder.log()).toBeUndefined();
    expect(server.requests.length).toBe(requestsBefore);
    expect(await readdir(error.destination)).toEqual([]);
    expect(existsSync(canary())).toBe(false);
    return error;
  }

  const refusedUrls: readonly [string, () => string][] = [
    ['ext:: transport', () => `ext::sh -c touch% ${canary()}`],
    ['ext:: transport without spaces', () => `ext::sh`],
    ['file URL', () => 'file:///etc'],
    ['absolute path', () => '/etc/passwd'],
    ['relative path', () => '../repo'],
    ['ssh option injection', () => `ssh://-oProxyCommand=touch%20${canary()}/x`],
    ['ssh URL', () => 'ssh://git@127.0.0.1/repo.git'],
    ['git protocol', () => 'git://127.0.0.1/repo.git'],
    ['an option', () => '-u'],
    ['--upload-pack', () => `--upload-pack=touch ${canary()}`],
    ['plain http', () => `http://127.0.0.1/x`],
    ['encoded newline', () => `${server.url}/x%0a.git`],
    ['encoded NUL', () => `${server.url}/x%00.git`],
    ['CR LF', () => `${server.url}/x\r\nHost: evil.example`],
    ['a space', () => `${server.url}/x y.git`],
    ['a tab', () => `${server.url}/x\t.git`],
    ['a backslash', () => `https:\\\\127.0.0.1\\x`],
    ['scp-like', () => 'git@github.com:org/repo.git'],
    ['host:path', () => 'github.com:org/repo.git'],
    ['https without slashes', () => 'https:127.0.0.1/x'],
    ['a query', () => `${server.url}/pub.git?x=1`],
    ['a fragment', () => `${server.url}/pub.git#main`],
    ['no host', () => 'https:///x'],
    ['not a URL', () => 'https://[zz/x'],
  ];

  it('would see git run: the recorder logs a source that is not refused', async () => {
    const recorder = await gitRecorder();
    const requestsBefore = server.requests.length;
    await fetchInto({ url: pub.url, ref: 'main' }, { gitBinary: recorder.gitBinary });
    expect((await recorder.invocations()).length).toBeGreaterThan(0);
    expect(server.requests.length).toBeGreaterThan(requestsBefore);
  });

  it.each(refusedUrls)('refuses %s', async (_name, url) => {
    await expectRefused({ url: url() }, 'PSRV_GIT_URL_REFUSED');
  });

  it('refuses credentials in the URL without repeating them', async () => {
    for (const url of ['https://user:s3cr3tpass@127.0.0.1/x', 'https://s3cr3tpass@127.0.0.1/x']) {
      const error = await expectRefused({ url }, 'PSRV_GIT_URL_REFUSED');
      expect(error.message).toContain('token');
      expect(JSON.stringify(error.toEnvelope())).not.toContain('s3cr3tpass');
    }
  });

  it.each([
    'https://127.0.0.1/x',
    'https://127.1.2.3/x',
    'https://169.254.169.254/latest/meta-data',
    'https://10.0.0.1/x',
    'https://172.16.5.4/x',
    'https://192.168.1.1/x',
    'https://0.0.0.0/x',
    'https://2130706433/x',
    'https://[::1]/x',
    'https://[::ffff:127.0.0.1]/x',
    'https://[fd00::1]/x',
    'https://[fe80::1]/x',
    'https://localhost/x',
    'https://LOCALHOST./x',
    'https://api.localhost/x',
  ])('refuses the internal host in %s in production', async (url) => {
    await expectRefused({ url }, 'PSRV_GIT_URL_REFUSED', { allowPrivateHosts: false });
  });

  it.each([
    '-u',
    '--upload-pack=x',
    'a..b',
    'main\n',
    'a b',
    '+main',
    'x:y',
    'a^',
    '@{-1}',
    '.hidden',
  ])('refuses the ref %j', async (ref) => {
    await expectRefused({ url: pub.url, ref }, 'PSRV_SOURCE_REFUSED');
  });

  it.each(['../x', 'a/../../x', '/etc', './plugin', 'plugin//src', 'a\\b', '..', '.'])(
    'refuses the subdirectory %j',
    async (subdirectory) => {
      await expectRefused({ url: pub.url, subdirectory }, 'PSRV_SOURCE_REFUSED');
    },
  );

  it('refuses a malformed commit', async () => {
    await expectRefused({ url: pub.url, commit: '--all' }, 'PSRV_SOURCE_REFUSED');
  });
});

describe('host checks', () => {
  const resolvingTo =
    (...addresses: string[]) =>
    () =>
      Promise.resolve(addresses.map((address) => ({ address })));

  it('refuses names resolving to an internal address, and returns the addresses to pin', async () => {
    const url = new URL('https://git.example.com/repo.git');
    for (const internal of ['10.1.2.3', '127.0.0.1', '::1', '::ffff:192.168.0.1', 'fd12::1']) {
      await expect(
        checkGitHost(url, {
          allowPrivateHosts: false,
          lookup: resolvingTo('140.82.112.3', internal),
        }),
      ).rejects.toMatchObject({ code: 'PSRV_GIT_URL_REFUSED' });
    }
    await expect(
      checkGitHost(url, {
        allowPrivateHosts: false,
        lookup: resolvingTo('140.82.112.3', '2606:50c0::1'),
      }),
    ).resolves.toEqual(['140.82.112.3', '2606:50c0::1']);
    await expect(
      checkGitHost(url, { allowPrivateHosts: true, lookup: resolvingTo('10.0.0.1') }),
    ).resolves.toEqual([]);
  });

  it('reports a name that does not resolve as a source failure', async () => {
    const url = new URL('https://git.example.com/repo.git');
    await expect(
      checkGitHost(url, { allowPrivateHosts: false, lookup: () => Promise.reject(new Error('x')) }),
    ).rejects.toMatchObject({ code: 'PSRV_SOURCE_FAILED' });
  });

  it('classifies addresses', () => {
    for (const address of ['100.64.0.1', '198.18.0.1', '224.0.0.1', '255.255.255.255', 'ff02::1']) {
      expect(isInternalAddress(address)).toBe(true);
    }
    for (const address of ['8.8.8.8', '140.82.112.3', '2606:50c0::1', '172.32.0.1']) {
      expect(isInternalAddress(address)).toBe(false);
    }
  });
});

describe('redactSecrets', () => {
  it('replaces every occurrence, longest secret first', () => {
    expect(redactSecrets('a tok tokenX tok', ['tok', 'tokenX', ''])).toBe(
      'a [REDACTED] [REDACTED] [REDACTED]',
    );
  });
});
