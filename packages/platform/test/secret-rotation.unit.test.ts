// The rotation walk on a database (embedded PGlite and PostgreSQL): every sealed column is
// re-encrypted under the current key in batches, a second run changes nothing, a run stopped
// after one batch (by a crash or by its signal) loses nothing and the next one finishes it, and
// a value no known key opens is reported with its record and left as it was.
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { CredentialsRepository } from '../src/credentials/credentials-repository.ts';
import type { Database } from '../src/db/database.ts';
import { PluginRepository } from '../src/plugins/plugin-repository.ts';
import { createSecretBox, secretKeyId, type SecretBox } from '../src/secrets/secret-box.ts';
import { rotateSealedValues, type RotationProgress } from '../src/secrets/secret-rotation.ts';
import { sealV1 } from './helpers/legacy-seal.ts';
import { openTestDatabase, TEST_DATABASE_KINDS } from './helpers/test-database.ts';

const KEY_A = 'rotation-key-A-0123456789abcdef-0123456789';
const KEY_B = 'rotation-key-B-0123456789abcdef-0123456789';
const KEY_C = 'rotation-key-C-0123456789abcdef-0123456789';
const PLUGINS = 3;
const CREDENTIALS = 4;
/** A config and a git token per plugin, and the credentials. */
const VALUES = PLUGINS * 2 + CREDENTIALS;

describe.each(TEST_DATABASE_KINDS)('secret key rotation (%s)', (kind) => {
  let db: Database;
  let cleanup: () => Promise<void>;
  let credentialIds: string[] = [];

  beforeAll(async () => {
    ({ db, cleanup } = await openTestDatabase(kind));
  });
  afterAll(() => cleanup());

  /** Plugins with a git token and a config, and credentials, all sealed by `box`. */
  const seed = async (box: SecretBox) => {
    await db.query('DELETE FROM plugins');
    await db.query('DELETE FROM credentials');
    const plugins = new PluginRepository(db, box);
    for (let i = 0; i < PLUGINS; i += 1) {
      await plugins.create({
        id: `plugin-${String(i)}`,
        source: {
          type: 'git',
          url: `https://git.example/p${String(i)}.git`,
          token: `tok-${String(i)}`,
        },
        config: { apiKey: `config-secret-${String(i)}` },
        grant: {},
      });
    }
    const credentials = new CredentialsRepository(db, box);
    credentialIds = [];
    for (let i = 0; i < CREDENTIALS; i += 1) {
      const record = await credentials.create({
        pluginId: 'plugin-0',
        integration: 'github',
        name: `cred-${String(i)}`,
        data: { token: `cred-secret-${String(i)}` },
      });
      credentialIds.push(record.id);
    }
  };

  /** Every sealed value opened through the repositories, as the platform reads them. */
  const readAll = async (box: SecretBox) => {
    const plugins = new PluginRepository(db, box);
    const credentials = new CredentialsRepository(db, box);
    const read: unknown[] = [];
    for (let i = 0; i < PLUGINS; i += 1) {
      read.push(await plugins.config(`plugin-${String(i)}`));
      read.push(await plugins.fullSource(`plugin-${String(i)}`));
    }
    for (const id of credentialIds) {
      read.push((await credentials.open(id))?.data);
    }
    return read;
  };

  const sealedValues = async () =>
    (
      await db.query<{ v: string }>(
        `SELECT config_sealed AS v FROM plugins UNION ALL SELECT source_secret FROM plugins
         UNION ALL SELECT secret FROM credentials`,
      )
    ).map((r) => r.v);

  beforeEach(async () => {
    await seed(createSecretBox(KEY_A));
  });

  it('re-encrypts every value under the new key, reads the same, and a second run is harmless', async () => {
    const expected = await readAll(createSecretBox(KEY_A));
    const updatedAt = await db.query('SELECT id, updated_at FROM credentials ORDER BY id');
    const rotating = createSecretBox(KEY_B, [KEY_A]);
    expect(await readAll(rotating)).toEqual(expected);

    const progress: RotationProgress[] = [];
    const report = await rotateSealedValues(db, rotating, {
      batchSize: 2,
      onProgress: (p) => progress.push(p),
    });
    expect(report).toMatchObject({
      keyId: secretKeyId(KEY_B),
      previousKeyIds: [secretKeyId(KEY_A)],
      reencrypted: VALUES,
      remaining: 0,
      remainingByKey: {},
      unreadable: [],
      interrupted: false,
    });
    expect(report.columns).toEqual([
      {
        what: 'plugin config',
        table: 'plugins',
        column: 'config_sealed',
        values: PLUGINS,
        reencrypted: PLUGINS,
        remaining: 0,
      },
      {
        what: 'git token',
        table: 'plugins',
        column: 'source_secret',
        values: PLUGINS,
        reencrypted: PLUGINS,
        remaining: 0,
      },
      {
        what: 'credential data',
        table: 'credentials',
        column: 'secret',
        values: CREDENTIALS,
        reencrypted: CREDENTIALS,
        remaining: 0,
      },
    ]);
    expect(progress.filter((p) => p.column === 'secret').map((p) => [p.done, p.total])).toEqual([
      [2, CREDENTIALS],
      [4, CREDENTIALS],
    ]);
    for (const value of await sealedValues()) {
      expect(value.startsWith(`v2.${secretKeyId(KEY_B)}.`)).toBe(true);
    }
    expect(await readAll(createSecretBox(KEY_B))).toEqual(expected);
    // Moving values is not a change of the credentials: "the latest" stays the same one.
    expect(await db.query('SELECT id, updated_at FROM credentials ORDER BY id')).toEqual(updatedAt);

    const before = await sealedValues();
    const again = await rotateSealedValues(db, rotating, { batchSize: 2 });
    expect(again).toMatchObject({ reencrypted: 0, remaining: 0, unreadable: [] });
    expect(await sealedValues()).toEqual(before);
  });

  it('re-encrypts values sealed before key ids (v1)', async () => {
    await db.query(`UPDATE credentials SET secret = $2 WHERE id = $1`, [
      credentialIds[0],
      sealV1(KEY_A, { token: 'from-v1' }, `credential:${credentialIds[0] ?? ''}`),
    ]);
    const box = createSecretBox(KEY_B, [KEY_A]);
    expect((await sealedValues()).filter((v) => v.startsWith('v1.'))).toHaveLength(1);
    const report = await rotateSealedValues(db, box);
    expect(report).toMatchObject({ reencrypted: VALUES, remaining: 0 });
    expect(
      (await new CredentialsRepository(db, createSecretBox(KEY_B)).open(credentialIds[0] ?? ''))
        ?.data,
    ).toEqual({ token: 'from-v1' });
  });

  it('loses nothing when a run dies after one batch, and the next run finishes', async () => {
    const expected = await readAll(createSecretBox(KEY_A));
    const box = createSecretBox(KEY_B, [KEY_A]);
    await expect(
      rotateSealedValues(db, box, {
        batchSize: 2,
        onProgress: () => {
          throw new Error('the process died here');
        },
      }),
    ).rejects.toThrow('the process died here');
    const values = await sealedValues();
    expect(values.filter((v) => v.startsWith(box.currentPrefix))).toHaveLength(2);
    expect(await readAll(box)).toEqual(expected);

    const resumed = await rotateSealedValues(db, box, { batchSize: 2 });
    expect(resumed).toMatchObject({ reencrypted: VALUES - 2, remaining: 0, unreadable: [] });
    expect(await readAll(createSecretBox(KEY_B))).toEqual(expected);
  });

  it('stops after the batch in progress when its signal fires, and says so', async () => {
    const box = createSecretBox(KEY_B, [KEY_A]);
    const stop = new AbortController();
    const report = await rotateSealedValues(db, box, {
      batchSize: 2,
      signal: stop.signal,
      onProgress: () => {
        stop.abort();
      },
    });
    expect(report).toMatchObject({
      interrupted: true,
      reencrypted: 2,
      remaining: VALUES - 2,
      remainingByKey: { [secretKeyId(KEY_A)]: VALUES - 2 },
    });
    expect((await rotateSealedValues(db, box)).remaining).toBe(0);
  });

  it('reports a value no known key opens with its record, and leaves it as it was', async () => {
    const foreignId = credentialIds[1] ?? '';
    const foreign = createSecretBox(KEY_C).seal({ token: 'lost' }, `credential:${foreignId}`);
    await db.query('UPDATE credentials SET secret = $2 WHERE id = $1', [foreignId, foreign]);
    const report = await rotateSealedValues(db, createSecretBox(KEY_B, [KEY_A]), { batchSize: 2 });
    expect(report.reencrypted).toBe(VALUES - 1);
    expect(report.remaining).toBe(1);
    expect(report.remainingByKey).toEqual({ [secretKeyId(KEY_C)]: 1 });
    expect(report.unreadable).toEqual([
      {
        what: 'credential data',
        table: 'credentials',
        column: 'secret',
        id: foreignId,
        record: `credential ${foreignId} (plugin-0 github "cred-1")`,
        keyId: secretKeyId(KEY_C),
        problem: 'unknown-key',
        reason: expect.stringContaining('PLUGBOARD_SECRET_KEY_PREVIOUS') as unknown,
      },
    ]);
    const [row] = await db.query<{ secret: string }>(
      'SELECT secret FROM credentials WHERE id = $1',
      [foreignId],
    );
    expect(row?.secret).toBe(foreign);
    // Reported again by the next run, until its key is given.
    expect((await rotateSealedValues(db, createSecretBox(KEY_B, [KEY_A]))).unreadable).toHaveLength(
      1,
    );
    const found = await rotateSealedValues(db, createSecretBox(KEY_B, [KEY_C]));
    expect(found).toMatchObject({ reencrypted: 1, remaining: 0, unreadable: [] });
  });
});
