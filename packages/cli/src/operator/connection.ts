/**
 * @module Which platform an operator command talks to: `--url`/`--token`, else PLUGBOARD_URL /
 * PLUGBOARD_TOKEN, else `<data dir>/connection.json` (`{ "url", "token" }`, written by
 * `plugboard start`), where the data dir is `--data-dir`, else PLUGBOARD_DATA_DIR, else
 * `./.plugboard`. Each value is resolved on its own, and the answer says where it came from.
 */
import { readFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { OperatorError } from './errors.ts';

const CONNECTION_FILE = 'connection.json';

export interface ConnectionFlags {
  readonly url?: string | undefined;
  readonly token?: string | undefined;
  readonly dataDir?: string | undefined;
}

export interface Connection {
  /** Without a trailing slash. */
  readonly url: string;
  readonly token: string;
  /** Where the URL came from, for messages: `--url`, `PLUGBOARD_URL` or the file's path. */
  readonly urlSource: string;
  readonly tokenSource: string;
  /** The connection.json consulted (whether or not it exists), for messages. */
  readonly file: string;
}

export interface ConnectionContext {
  readonly env: Readonly<Record<string, string | undefined>>;
  readonly cwd: string;
}

const nonEmpty = (value: string | undefined): string | undefined =>
  value === undefined || value.trim() === '' ? undefined : value.trim();

/** The connection.json this command would read. */
function connectionFile(flags: ConnectionFlags, context: ConnectionContext): string {
  const dir =
    nonEmpty(flags.dataDir) ?? nonEmpty(context.env['PLUGBOARD_DATA_DIR']) ?? '.plugboard';
  return join(resolve(context.cwd, dir), CONNECTION_FILE);
}

async function readConnectionFile(
  file: string,
): Promise<{ url?: string | undefined; token?: string | undefined } | undefined> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') {
      return undefined;
    }
    throw new OperatorError('CLI_BAD_FILE', `cannot read ${file}: ${(error as Error).message}`);
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (error) {
    throw new OperatorError(
      'CLI_BAD_FILE',
      `${file} is not valid JSON (${(error as Error).message}); it should hold { "url": "…", "token": "…" }`,
    );
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    throw new OperatorError(
      'CLI_BAD_FILE',
      `${file} should hold an object { "url": "…", "token": "…" }`,
    );
  }
  const { url, token } = parsed as Record<string, unknown>;
  return {
    url: typeof url === 'string' ? nonEmpty(url) : undefined,
    token: typeof token === 'string' ? nonEmpty(token) : undefined,
  };
}

export async function resolveConnection(
  flags: ConnectionFlags,
  context: ConnectionContext,
): Promise<Connection> {
  const file = connectionFile(flags, context);
  const pick = (
    flag: string | undefined,
    envName: string,
    fromFile: string | undefined,
  ): { value: string; source: string } | undefined => {
    const fromFlag = nonEmpty(flag);
    const fromEnv = nonEmpty(context.env[envName]);
    if (fromFlag !== undefined) {
      return { value: fromFlag, source: 'flag' };
    }
    if (fromEnv !== undefined) {
      return { value: fromEnv, source: envName };
    }
    return fromFile === undefined ? undefined : { value: fromFile, source: file };
  };
  const needsFile =
    (nonEmpty(flags.url) ?? nonEmpty(context.env['PLUGBOARD_URL'])) === undefined ||
    (nonEmpty(flags.token) ?? nonEmpty(context.env['PLUGBOARD_TOKEN'])) === undefined;
  const saved = needsFile ? await readConnectionFile(file) : undefined;
  const url = pick(flags.url, 'PLUGBOARD_URL', saved?.url);
  // The saved token belongs to the saved platform: it is never sent to another one.
  const savedTokenFits =
    saved?.url !== undefined && url !== undefined && sameOrigin(url.value, saved.url);
  const token = pick(flags.token, 'PLUGBOARD_TOKEN', savedTokenFits ? saved.token : undefined);

  const missing: string[] = [];
  if (url === undefined) {
    missing.push('the platform URL (--url <url> or PLUGBOARD_URL)');
  }
  if (token === undefined) {
    missing.push('an API token (--token <token> or PLUGBOARD_TOKEN)');
  }
  if (url === undefined || token === undefined) {
    throw new OperatorError(
      'CLI_NOT_CONNECTED',
      `no platform to talk to: missing ${missing.join(' and ')}`,
      {
        lines: [
          saved === undefined
            ? `  ${file} does not exist: \`plugboard start\` writes it, or create it with { "url": "http://127.0.0.1:4000", "token": "<one of PLUGBOARD_API_TOKENS>" }`
            : `  ${file} has no ${[url === undefined ? '"url"' : '', token === undefined ? '"token"' : ''].filter(Boolean).join(' or ')}`,
          '  (another data dir: --data-dir <dir> or PLUGBOARD_DATA_DIR)',
        ],
      },
    );
  }
  let parsed: URL | undefined;
  try {
    parsed = new URL(url.value);
  } catch {
    parsed = undefined;
  }
  if (parsed === undefined || (parsed.protocol !== 'http:' && parsed.protocol !== 'https:')) {
    throw new OperatorError(
      'CLI_NOT_CONNECTED',
      `the platform URL "${url.value}" (from ${describeSource(url.source)}) is not an http(s) URL, e.g. http://127.0.0.1:4000`,
    );
  }
  return {
    url: url.value.replace(/\/+$/, ''),
    token: token.value,
    urlSource: describeSource(url.source),
    tokenSource: describeSource(token.source),
    file,
  };
}

function describeSource(source: string): string {
  if (source === 'flag') {
    return 'the command line';
  }
  return source;
}

function sameOrigin(a: string, b: string): boolean {
  try {
    return new URL(a).origin === new URL(b).origin;
  } catch {
    return false;
  }
}
