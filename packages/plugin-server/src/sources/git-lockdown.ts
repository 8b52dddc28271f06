/**
 * @module The locked-down setup every git command of one fetch runs with: settings on the
 * command line that no config can override, a clean environment with an empty home, the token
 * only in an environment-provided header, the host pinned to the addresses that were checked,
 * and the extra CA certificates in a bundle of their own.
 */
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { rootCertificates } from 'node:tls';
import { ServerError } from '../errors.ts';
import type { GitRun } from './git-process.ts';
import { hostOf } from './git-url.ts';

// A transfer slower than this for this long is as good as stalled.
const LOW_SPEED_LIMIT_BYTES = 1024;
const LOW_SPEED_TIME_SECONDS = 30;

// Settings that neither the repository nor the environment can override: git reads no system
// or global config, and the repository's own config is the empty one `git init` wrote.
const LOCKED_SETTINGS: readonly string[] = [
  'core.symlinks=false',
  'core.hooksPath=/dev/null',
  'core.fsmonitor=false',
  'core.protectNTFS=true',
  'core.protectHFS=true',
  'protocol.allow=never',
  'protocol.https.allow=always',
  'submodule.recurse=false',
  'fetch.recurseSubmodules=false',
  'credential.helper=',
  // http.extraHeader goes to whatever host a redirect names, and a redirect could also lead
  // to an internal address after the host check.
  'http.followRedirects=false',
  'http.sslVerify=true',
  `http.lowSpeedLimit=${String(LOW_SPEED_LIMIT_BYTES)}`,
  `http.lowSpeedTime=${String(LOW_SPEED_TIME_SECONDS)}`,
  'transfer.fsckObjects=true',
  // Automatic gc and maintenance detach into the background, outside our process group.
  'gc.auto=0',
  'maintenance.auto=false',
  'fetch.writeCommitGraph=false',
  'init.defaultBranch=main',
];

export interface LockdownInput {
  readonly url: URL;
  /** The checked addresses of the host; empty when private hosts are allowed. */
  readonly addresses: readonly string[];
  readonly token: string | undefined;
  readonly caFile: string | undefined;
  readonly gitBinary: string;
  readonly maxBytes: number;
  readonly signal: AbortSignal;
  readonly stopped: () => ServerError;
  readonly report: Readonly<Record<string, unknown>>;
}

/** Prepares `scratch` (a fresh private folder) for the fetch and describes how to run git. */
export async function prepareRun(scratch: string, input: LockdownInput): Promise<GitRun> {
  const { url, addresses, token } = input;
  const home = path.join(scratch, 'home');
  const gitDir = path.join(scratch, 'repo.git');
  await mkdir(home, { mode: 0o700 });
  const settings = [...LOCKED_SETTINGS];
  if (input.caFile !== undefined) {
    settings.push(`http.sslCAInfo=${await writeCaBundle(scratch, input.caFile)}`);
  }
  if (addresses.length > 0) {
    // Pins git to the addresses we checked, so that it cannot resolve the name differently.
    const port = url.port === '' ? '443' : url.port;
    const pinned = addresses.map((address) => (address.includes(':') ? `[${address}]` : address));
    settings.push(`http.curloptResolve=${hostOf(url)}:${port}:${pinned.join(',')}`);
  }
  const env: Record<string, string> = {
    PATH: process.env['PATH'] ?? '/usr/bin:/bin',
    HOME: home,
    XDG_CONFIG_HOME: home,
    // English messages, which is what the few stderr checks look for.
    LC_ALL: 'C',
    GIT_CONFIG_NOSYSTEM: '1',
    GIT_CONFIG_GLOBAL: '/dev/null',
    GIT_TERMINAL_PROMPT: '0',
    GIT_ASKPASS: '/bin/false',
    GIT_ALLOW_PROTOCOL: 'https',
    GIT_PROTOCOL_FROM_USER: '0',
  };
  const secrets: string[] = [];
  let networkEnv = env;
  if (token !== undefined) {
    const credentials = Buffer.from(`x-access-token:${token}`).toString('base64');
    // From the environment, not argv: other local users can read any process's arguments.
    networkEnv = {
      ...env,
      GIT_CONFIG_COUNT: '1',
      GIT_CONFIG_KEY_0: 'http.extraHeader',
      GIT_CONFIG_VALUE_0: `Authorization: Basic ${credentials}`,
    };
    secrets.push(token, credentials, encodeURIComponent(token));
  }
  return {
    gitBinary: input.gitBinary,
    scratch,
    flags: [...settings.flatMap((setting) => ['-c', setting]), `--git-dir=${gitDir}`],
    env,
    networkEnv,
    gitDir,
    maxBytes: input.maxBytes,
    signal: input.signal,
    stopped: input.stopped,
    secrets,
    report: input.report,
  };
}

/** The public roots plus the extra CA file, since http.sslCAInfo replaces curl's own bundle. */
async function writeCaBundle(scratch: string, caFile: string): Promise<string> {
  let extra: string;
  try {
    extra = await readFile(caFile, 'utf8');
  } catch (error) {
    throw new ServerError('PSRV_CONFIG_INVALID', `cannot read the git CA file ${caFile}`, {
      details: { caFile, reason: (error as NodeJS.ErrnoException).code ?? 'unknown' },
    });
  }
  const bundle = path.join(scratch, 'ca-bundle.pem');
  await writeFile(bundle, `${[...rootCertificates, extra].join('\n')}\n`, { mode: 0o600 });
  return bundle;
}
