// The platform's configuration (environment, `_FILE` secrets, overrides, every problem reported
// at once) and its schema migrations (applied once, all or nothing, also when two processes start
// together on PostgreSQL).
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { isAbsolute, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadPlatformConfig, loadSecretRotationConfig } from '../src/config.ts';
import type { Database } from '../src/db/database.ts';
import { migrate, MIGRATIONS } from '../src/db/migrations.ts';
import { openPgliteDatabase } from '../src/db/pglite-database.ts';
import { openPostgresDatabase } from '../src/db/postgres-database.ts';
import { PlatformError } from '../src/errors.ts';
import {
  createPostgresDatabase,
  PLATFORM_KEY,
  platformEnv,
  SECRET_KEY,
  SERVER_API_KEY,
  USER_TOKEN,
  WEBHOOK_SECRET,
} from './helpers/test-platform.ts';

const VALID_ENV = platformEnv('http://127.0.0.1:4100');

function without(env: Record<string, string>, ...names: string[]): Record<string, string> {
  return Object.fromEntries(Object.entries(env).filter(([name]) => !names.includes(name)));
}

function problemsOf(load: () => unknown): string[] {
  try {
    load();
  } catch (error) {
    expect(error).toBeInstanceOf(PlatformError);
    const failure = error as PlatformError;
    expect(failure.code).toBe('PLAT_CONFIG_INVALID');
    const problems = failure.details?.['problems'] as string[];
    // The message lists the same problems, one a line.
    for (const problem of problems) {
      expect(failure.message).toContain(problem);
    }
    return problems;
  }
  throw new Error('expected PLAT_CONFIG_INVALID');
}

describe('loadPlatformConfig', () => {
  let dir: string;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'plugboard-platform-config-'));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('reports every problem at once in one PLAT_CONFIG_INVALID', () => {
    const problems = problemsOf(() =>
      loadPlatformConfig({
        ...without(VALID_ENV, 'PLUGBOARD_API_TOKENS'),
        PLUGBOARD_SECRET_KEY: 'too-short',
        PLUGBOARD_DATABASE_URL: 'mysql://db.example/plugboard',
      }),
    );
    expect(problems).toHaveLength(3);
    expect(problems).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/^apiTokens: /),
        'secretKey: the secret key must be at least 32 characters',
        'databaseUrl: use a postgres:// or postgresql:// URL',
      ]),
    );
    // A secret never appears in the report.
    expect(problems.join('\n')).not.toContain('too-short');
  });

  it('names every missing required setting of an empty environment', () => {
    const problems = problemsOf(() => loadPlatformConfig({}));
    const paths = problems.map((p) => p.split(':')[0]).sort();
    expect(paths).toEqual([
      'apiTokens',
      'platformApiKeys',
      'pluginServerApiKey',
      'pluginServerUrl',
      'secretKey',
      'webhookSecret',
    ]);
  });

  it('refuses short tokens, bad numbers and bad booleans, each by its path', () => {
    const problems = problemsOf(() =>
      loadPlatformConfig({
        ...VALID_ENV,
        PLUGBOARD_API_TOKENS: `${USER_TOKEN}, short`,
        PLUGBOARD_PLATFORM_PORT: '70000',
        PLUGBOARD_EMBEDDED_WORKER: 'maybe',
        PLUGBOARD_RUNS_IN_PARALLEL: '0',
      }),
    );
    expect(problems.map((p) => p.split(':')[0]).sort()).toEqual([
      'apiTokens.1',
      'embeddedWorker',
      'limits.runsInParallel',
      'port',
    ]);
  });

  it('reads the environment: lists, booleans, numbers, defaults; overrides win', () => {
    const config = loadPlatformConfig(
      {
        ...VALID_ENV,
        PLUGBOARD_API_TOKENS: ` ${USER_TOKEN} , second-token-0123456789 ,`,
        PLUGBOARD_EMBEDDED_WORKER: 'false',
        PLUGBOARD_PLATFORM_PORT: '4321',
        PLUGBOARD_NODE_TIMEOUT_MS: '1500',
        PLUGBOARD_DATABASE_URL: 'postgresql://db.example/plugboard',
        PLUGBOARD_PLATFORM_DATA_DIR: 'relative/data',
      },
      { port: 0, limits: { runsInParallel: 2 } },
    );
    expect(config).toMatchObject({
      apiTokens: [USER_TOKEN, 'second-token-0123456789'],
      embeddedWorker: false,
      port: 0,
      host: '127.0.0.1',
      databaseUrl: 'postgresql://db.example/plugboard',
      limits: { nodeTimeoutMs: 1500, runsInParallel: 2, nodesInParallel: 8 },
    });
    expect(isAbsolute(config.dataDir)).toBe(true);
    expect(config.dataDir.endsWith(join('relative', 'data'))).toBe(true);
    expect(Object.isFrozen(config)).toBe(true);
  });

  it('reads secrets from the files named by `<NAME>_FILE`, trimmed, over the plain variable', async () => {
    const secretFile = join(dir, 'secret-key');
    const tokensFile = join(dir, 'tokens');
    const webhookFile = join(dir, 'webhook');
    await writeFile(secretFile, `${SECRET_KEY}-from-file\n`);
    await writeFile(tokensFile, `${USER_TOKEN},file-token-0123456789\n`);
    await writeFile(webhookFile, `  ${WEBHOOK_SECRET}-file  \n`);
    const config = loadPlatformConfig({
      ...without(VALID_ENV, 'PLUGBOARD_API_TOKENS', 'PLUGBOARD_WEBHOOK_SECRET'),
      PLUGBOARD_SECRET_KEY: 'the-plain-variable-loses-0123456789',
      PLUGBOARD_SECRET_KEY_FILE: secretFile,
      PLUGBOARD_API_TOKENS_FILE: tokensFile,
      PLUGBOARD_WEBHOOK_SECRET_FILE: webhookFile,
    });
    expect(config.secretKey).toBe(`${SECRET_KEY}-from-file`);
    expect(config.apiTokens).toEqual([USER_TOKEN, 'file-token-0123456789']);
    expect(config.webhookSecret).toBe(`${WEBHOOK_SECRET}-file`);
    expect(config.pluginServerApiKey).toBe(SERVER_API_KEY);
    expect(config.platformApiKeys).toEqual([PLATFORM_KEY]);
  });

  it('reports an unreadable `_FILE` together with the other problems', async () => {
    const shortFile = join(dir, 'short-secret');
    await writeFile(shortFile, 'short\n');
    const problems = problemsOf(() =>
      loadPlatformConfig({
        ...without(VALID_ENV, 'PLUGBOARD_SECRET_KEY'),
        PLUGBOARD_SECRET_KEY_FILE: shortFile,
        PLUGBOARD_WEBHOOK_SECRET_FILE: join(dir, 'missing-file'),
      }),
    );
    expect(problems).toEqual(
      expect.arrayContaining([
        'secretKey: the secret key must be at least 32 characters',
        expect.stringMatching(/^PLUGBOARD_WEBHOOK_SECRET_FILE: cannot read .*missing-file/),
      ]),
    );
  });
});

describe('previous secret keys', () => {
  const OLD_A = 'an-old-secret-key-A-0123456789abcdef';
  const OLD_B = 'an-old-secret-key-B-0123456789abcdef';
  let dir: string;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'plugboard-platform-previous-keys-'));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('are none unless set, and a comma-separated list in PLUGBOARD_SECRET_KEY_PREVIOUS', () => {
    expect(loadPlatformConfig(VALID_ENV).secretKeyPrevious).toEqual([]);
    expect(
      loadPlatformConfig({ ...VALID_ENV, PLUGBOARD_SECRET_KEY_PREVIOUS: ` ${OLD_A} ,${OLD_B},` })
        .secretKeyPrevious,
    ).toEqual([OLD_A, OLD_B]);
  });

  it('come one a line from PLUGBOARD_SECRET_KEY_PREVIOUS_FILE', async () => {
    const file = join(dir, 'previous');
    await writeFile(file, `${OLD_A}\n${OLD_B}\n`);
    expect(
      loadPlatformConfig({ ...VALID_ENV, PLUGBOARD_SECRET_KEY_PREVIOUS_FILE: file })
        .secretKeyPrevious,
    ).toEqual([OLD_A, OLD_B]);
  });

  it('are each checked, and their problems reported with the others', () => {
    const problems = problemsOf(() =>
      loadPlatformConfig({
        ...without(VALID_ENV, 'PLUGBOARD_API_TOKENS'),
        PLUGBOARD_SECRET_KEY_PREVIOUS: `${OLD_A},too-short-old-key`,
      }),
    );
    expect(problems).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/^apiTokens: /),
        'secretKeyPrevious.1: each previous secret key must be at least 32 characters',
      ]),
    );
    expect(problems.join('\n')).not.toContain('too-short-old-key');
  });

  it('with the database settings are all a rotation reads, every problem together', () => {
    const config = loadSecretRotationConfig({
      PLUGBOARD_SECRET_KEY: SECRET_KEY,
      PLUGBOARD_SECRET_KEY_PREVIOUS: OLD_A,
      PLUGBOARD_DATABASE_URL: 'postgres://db.example/plugboard',
    });
    expect(config).toMatchObject({
      secretKey: SECRET_KEY,
      secretKeyPrevious: [OLD_A],
      databaseUrl: 'postgres://db.example/plugboard',
      databaseTimeoutMs: 10_000,
    });
    const problems = problemsOf(() =>
      loadSecretRotationConfig({
        PLUGBOARD_SECRET_KEY_PREVIOUS: 'short',
        PLUGBOARD_DATABASE_URL: 'mysql://db',
      }),
    );
    expect(problems.map((p) => p.split(':')[0]).sort()).toEqual([
      'databaseUrl',
      'secretKey',
      'secretKeyPrevious.0',
    ]);
  });
});

describe('migrations', () => {
  const tables = async (db: Database) =>
    (
      await db.query<{ name: string }>(
        `SELECT table_name AS name FROM information_schema.tables
          WHERE table_schema = 'public' ORDER BY table_name`,
      )
    ).map((r) => r.name);
  const versions = async (db: Database) =>
    (
      await db.query<{ version: number }>('SELECT version FROM schema_migrations ORDER BY version')
    ).map((r) => r.version);
  const all = MIGRATIONS.map((m) => m.version).sort((a, b) => a - b);

  it('apply once: a second run applies nothing and keeps the data (PGlite)', async () => {
    const db = await openPgliteDatabase(undefined);
    try {
      expect(await migrate(db)).toEqual({ applied: all });
      const schema = await tables(db);
      expect(schema).toEqual(expect.arrayContaining(['plugins', 'runs', 'workflows']));
      await db.query(`INSERT INTO workflows (id, name, graph) VALUES ('wf_kept', 'kept', '{}')`);
      expect(await migrate(db)).toEqual({ applied: [] });
      expect(await tables(db)).toEqual(schema);
      expect(await versions(db)).toEqual(all);
      expect(await db.query('SELECT id FROM workflows')).toEqual([{ id: 'wf_kept' }]);

      // A later migration applies alone, once.
      const next = [
        ...MIGRATIONS,
        { version: 9_001, name: 'test table', sql: 'CREATE TABLE extra_t (id integer)' },
      ];
      expect(await migrate(db, next)).toEqual({ applied: [9_001] });
      expect(await migrate(db, next)).toEqual({ applied: [] });
      expect(await versions(db)).toEqual([...all, 9_001]);
    } finally {
      await db.close();
    }
  });

  it('apply a failing migration not at all: its earlier statements roll back', async () => {
    const db = await openPgliteDatabase(undefined);
    try {
      await migrate(db);
      const broken = [
        ...MIGRATIONS,
        {
          version: 9_002,
          name: 'half good',
          sql: 'CREATE TABLE half_t (id integer);\nSELECT no_such_function();\n',
        },
      ];
      await expect(migrate(db, broken)).rejects.toThrow(/no_such_function/);
      expect(await tables(db)).not.toContain('half_t');
      expect(await versions(db)).toEqual(all);
    } finally {
      await db.close();
    }
  });

  it('apply once when two processes migrate the same PostgreSQL together', async () => {
    const database = await createPostgresDatabase();
    const first = openPostgresDatabase(database.url);
    const second = openPostgresDatabase(database.url);
    try {
      const [a, b] = await Promise.all([migrate(first), migrate(second)]);
      expect([...a.applied, ...b.applied].sort((x, y) => x - y)).toEqual(all);
      expect(await versions(first)).toEqual(all);
      expect(await migrate(second)).toEqual({ applied: [] });
    } finally {
      await first.close();
      await second.close();
      await database.drop();
    }
  });
});
