// A rotation that does not run to its end loses nothing, and the next run finishes it, on
// PostgreSQL with the real `plugboard secrets rotate`: killed (SIGKILL) after one batch, in the
// middle of the next (a row it needs is held by another transaction), only the first batch is
// under the new key and everything still opens; stopped by SIGTERM, it ends the batch in progress
// and says to run it again; run again, it re-encrypts exactly what is left.
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CredentialsRepository } from '../src/credentials/credentials-repository.ts';
import type { Database } from '../src/db/database.ts';
import { migrate } from '../src/db/migrations.ts';
import { openPostgresDatabase } from '../src/db/postgres-database.ts';
import { PluginRepository } from '../src/plugins/plugin-repository.ts';
import { createSecretBox, type SecretBox } from '../src/secrets/secret-box.ts';
import { runRotate, spawnRotate } from './helpers/rotate-process.ts';
import { createPostgresDatabase, until } from './helpers/test-platform.ts';

const KEY_A = 'resume-key-A-0123456789abcdef-0123456789';
const KEY_B = 'resume-key-B-0123456789abcdef-0123456789';
const PLUGINS = ['p-0', 'p-1', 'p-2'];
const CREDENTIALS = 6;
const VALUES = PLUGINS.length * 2 + CREDENTIALS;

describe('an interrupted secret key rotation (postgres)', () => {
  let database: { url: string; drop(): Promise<void> };
  let db: Database;
  let credentialIds: string[];
  let written: unknown[];
  let env: Record<string, string>;

  /** Every sealed value, opened as the platform opens them. */
  const readAll = async (box: SecretBox) => {
    const plugins = new PluginRepository(db, box);
    const credentials = new CredentialsRepository(db, box);
    const read: unknown[] = [];
    for (const id of PLUGINS) {
      read.push(await plugins.config(id), await plugins.fullSource(id));
    }
    for (const id of credentialIds) {
      read.push((await credentials.open(id))?.data);
    }
    return read;
  };
  const underNewKey = async () => {
    const prefix = createSecretBox(KEY_B).currentPrefix;
    const rows = await db.query<{ v: string }>(
      `SELECT config_sealed AS v FROM plugins UNION ALL SELECT source_secret FROM plugins
       UNION ALL SELECT secret FROM credentials`,
    );
    return rows.filter((r) => r.v.startsWith(prefix)).length;
  };
  /** Holds plugin `id`'s row in a transaction of another connection until released. */
  const holdRow = async (id: string) => {
    const client = new pg.Client({ connectionString: database.url });
    await client.connect();
    await client.query('BEGIN');
    await client.query('SELECT id FROM plugins WHERE id = $1 FOR UPDATE', [id]);
    return async () => {
      await client.query('ROLLBACK');
      await client.end();
    };
  };
  const lockWaiters = async () =>
    (
      await db.query<{ n: number }>(
        `SELECT count(*)::int AS n FROM pg_stat_activity
          WHERE datname = current_database() AND wait_event_type = 'Lock'`,
      )
    )[0]?.n ?? 0;
  const someoneWaitsForALock = () =>
    until('the rotation to wait for the held row', async () =>
      (await lockWaiters()) > 0 ? true : undefined,
    );

  beforeAll(async () => {
    database = await createPostgresDatabase();
    db = openPostgresDatabase(database.url);
    await migrate(db);
    const box = createSecretBox(KEY_A);
    for (const id of PLUGINS) {
      await new PluginRepository(db, box).create({
        id,
        source: { type: 'git', url: `https://git.example.com/${id}.git`, token: `tok-${id}` },
        config: { apiKey: `secret-of-${id}` },
        grant: {},
      });
    }
    credentialIds = [];
    for (let i = 0; i < CREDENTIALS; i += 1) {
      const record = await new CredentialsRepository(db, box).create({
        pluginId: 'p-0',
        integration: 'github',
        name: `account-${String(i)}`,
        data: { apiKey: `credential-${String(i)}` },
      });
      credentialIds.push(record.id);
    }
    written = await readAll(box);
    env = {
      PLUGBOARD_DATABASE_URL: database.url,
      PLUGBOARD_SECRET_KEY: KEY_B,
      PLUGBOARD_SECRET_KEY_PREVIOUS: KEY_A,
      // The held row makes it wait: longer than this test, never cut short by a timeout.
      PLUGBOARD_DATABASE_TIMEOUT_MS: '120000',
    };
  });
  afterAll(async () => {
    // eslint-disable-next-line @typescript-eslint/no-unnecessary-condition -- unset when beforeAll failed
    await db?.close();
    // eslint-disable-next-line @typescript-eslint/no-unnecessary-condition -- unset when beforeAll failed
    await database?.drop();
  });

  it('killed mid-way keeps the batches done, stopped ends its batch, and the next run finishes', async () => {
    // Killed: the first batch (p-0's and p-1's configs) is committed, the second waits for p-2.
    let release = await holdRow('p-2');
    const killed = spawnRotate(['--batch-size', '2'], env);
    try {
      await killed.waitFor(/plugin config \(plugins\.config_sealed\): 2 of 3/);
      await someoneWaitsForALock();
      killed.child.kill('SIGKILL');
      expect(await killed.exited).toBe('SIGKILL');
    } finally {
      await release();
    }
    // The killed run's session ends once it finds its client gone.
    await until('the killed run to leave the database', async () =>
      (await lockWaiters()) === 0 ? true : undefined,
    );
    expect(await underNewKey()).toBe(2);
    expect(await readAll(createSecretBox(KEY_B, [KEY_A]))).toEqual(written);

    // Stopped: SIGTERM while its first batch (p-2's config) waits; that batch ends, then it stops.
    release = await holdRow('p-2');
    const stopped = spawnRotate(['--batch-size', '2'], env);
    try {
      await someoneWaitsForALock();
      stopped.child.kill('SIGTERM');
      await stopped.waitFor(/received SIGTERM; stopping after the batch in progress/);
    } finally {
      await release();
    }
    expect(await stopped.exited).toBe(1);
    expect(stopped.stdout()).toContain('Re-encrypted 1 value under');
    expect(stopped.stderr()).toContain(
      `CLI_ROTATION_INCOMPLETE: stopped by SIGTERM with ${String(VALUES - 3)} values still under an old key; nothing is lost: run it again to go on`,
    );
    expect(await underNewKey()).toBe(3);
    expect(await readAll(createSecretBox(KEY_B, [KEY_A]))).toEqual(written);

    const resumed = await runRotate(['--batch-size', '2'], env);
    expect(resumed.code).toBe(0);
    expect(resumed.stdout).toContain(`Re-encrypted ${String(VALUES - 3)} values under`);
    expect(resumed.stdout).toContain('Nothing is left under an old key');
    expect(await underNewKey()).toBe(VALUES);
    expect(await readAll(createSecretBox(KEY_B))).toEqual(written);
  });
});
