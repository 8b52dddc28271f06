// Rotating the platform's secret key, as an operator does it, on the embedded PGlite and on
// PostgreSQL: plugin configs with secrets, git tokens and credentials written under key A; the
// platform restarted with key B and A as a previous key reads them all; the real `plugboard
// secrets rotate` re-encrypts every one (a second run changes nothing); the platform restarted
// with B alone reads them all. A value under a key nobody gave is reported with its record and
// left as it was. With PostgreSQL the platform serves throughout; the embedded database is
// refused to the rotation while a platform holds it. Values whose key is lost are taken once
// stored again.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MASKED } from '@plugboard/platform-api';
import type { DesiredState } from '@plugboard/server-api';
import { CredentialsRepository } from '../src/credentials/credentials-repository.ts';
import { createSecretBox, secretKeyId } from '../src/secrets/secret-box.ts';
import { runRotate } from './helpers/rotate-process.ts';
import {
  startStandInPluginServer,
  type StandInPluginServer,
} from './helpers/stand-in-plugin-server.ts';
import {
  createPostgresDatabase,
  type Envelope,
  PLATFORM_KEY,
  SERVER_API_KEY,
  startTestPlatform,
  type TestPlatform,
} from './helpers/test-platform.ts';

const KEY_A = 'rotation-e2e-key-A-0123456789abcdef-0123';
const KEY_B = 'rotation-e2e-key-B-0123456789abcdef-0123';
const KEY_C = 'rotation-e2e-key-C-0123456789abcdef-0123';
const PLUGINS = ['alpha', 'beta', 'gamma'];
const CREDENTIALS = 5;
/** A config and a git token per plugin, and the credentials. */
const VALUES = PLUGINS.length * 2 + CREDENTIALS;

const kinds = ['pglite', 'postgres'] as const;

describe.each(kinds)('rotating the secret key (%s)', (kind) => {
  let stand: StandInPluginServer;
  let dataDir: string;
  let database: { url: string; drop(): Promise<void> } | undefined;
  const credentialIds: string[] = [];
  let platform: TestPlatform | undefined;
  /** What the platform under key A read: the desired state's sources and configs, and credentials. */
  let written: Awaited<ReturnType<typeof readEverything>>;

  const start = async (secretKey: string, secretKeyPrevious: string[] = []) => {
    platform = await startTestPlatform({
      pluginServerUrl: stand.url,
      secretKey,
      secretKeyPrevious,
      // A nudge a minute from now at the soonest: this test reads, it does not reconcile.
      ...(database === undefined ? { dataDir } : { databaseUrl: database.url }),
    });
    return platform;
  };
  const stop = async () => {
    await platform?.close();
    platform = undefined;
  };
  const rotateEnv = (secretKey: string, previous: string[]) => ({
    PLUGBOARD_SECRET_KEY: secretKey,
    ...(previous.length === 0 ? {} : { PLUGBOARD_SECRET_KEY_PREVIOUS: previous.join(',') }),
    ...(database === undefined
      ? { PLUGBOARD_PLATFORM_DATA_DIR: dataDir }
      : { PLUGBOARD_DATABASE_URL: database.url }),
  });

  /** Every sealed value as the platform opens it: the desired state and each credential. */
  const readEverything = async (t: TestPlatform) => {
    const desired = await t.json<DesiredState>('GET', '/plugin-server/desired', {
      auth: PLATFORM_KEY,
    });
    expect(desired.status).toBe(200);
    for (const id of PLUGINS) {
      expect((await t.json('GET', `/api/plugins/${id}`)).status).toBe(200);
    }
    const credentials = [];
    for (const id of credentialIds) {
      credentials.push((await t.platform.services.credentials.open(id))?.data);
    }
    return {
      plugins: desired.body.plugins.map((p) => ({ id: p.id, source: p.source, config: p.config })),
      credentials,
    };
  };

  beforeAll(async () => {
    stand = await startStandInPluginServer({ apiKey: SERVER_API_KEY });
    dataDir = await mkdtemp(join(tmpdir(), 'plugboard-rotation-'));
    if (kind === 'postgres') {
      database = await createPostgresDatabase();
    }
    const t = await start(KEY_A);
    for (const id of PLUGINS) {
      const answer = await t.json('POST', '/api/plugins', {
        body: {
          id,
          source: {
            type: 'git',
            url: `https://git.example.com/acme/${id}.git`,
            ref: 'main',
            token: `ghp_token-of-${id}`,
          },
          config: { region: 'eu', apiKey: `config-secret-of-${id}` },
        },
      });
      expect(answer.status).toBe(202);
    }
    for (let i = 0; i < CREDENTIALS; i += 1) {
      const record = await t.platform.services.credentials.create({
        pluginId: 'alpha',
        integration: 'github',
        name: `account-${String(i)}`,
        data: { apiKey: `credential-secret-${String(i)}` },
      });
      credentialIds.push(record.id);
    }
    written = await readEverything(t);
    expect(written.plugins).toHaveLength(PLUGINS.length);
    expect(JSON.stringify(written)).toContain('ghp_token-of-gamma');
    expect(JSON.stringify(written)).toContain('credential-secret-4');
    await stop();
  });
  afterAll(async () => {
    await stop();
    // eslint-disable-next-line @typescript-eslint/no-unnecessary-condition -- unset when beforeAll failed
    await stand?.close();
    await database?.drop();
    await rm(dataDir, { recursive: true, force: true });
  });

  it('reads everything with the new key and the old one as previous, re-encrypts all, then needs only the new key', async () => {
    const t = await start(KEY_B, [KEY_A]);
    expect(await readEverything(t)).toEqual(written);

    if (kind === 'pglite') {
      // One process at a time on the embedded database: the rotation waits for the platform.
      const refused = await runRotate([], rotateEnv(KEY_B, [KEY_A]));
      expect(refused.code).toBe(1);
      expect(refused.stderr).toMatch(/PLAT_DATABASE_IN_USE: .*open in another process/);
      await stop();
    }

    const rotated = await runRotate(['--batch-size', '2'], rotateEnv(KEY_B, [KEY_A]));
    expect(rotated.stderr).not.toContain('error');
    expect(rotated.code).toBe(0);
    expect(rotated.stdout).toContain(
      `Re-encrypted ${String(VALUES)} values under key ${secretKeyId(KEY_B)} (PLUGBOARD_SECRET_KEY); previous keys: ${secretKeyId(KEY_A)}`,
    );
    expect(rotated.stdout).toMatch(
      /credentials\.secret +credential data: 5 values, 5 re-encrypted, 0 under an old key/,
    );
    expect(rotated.stdout).toContain(
      'Nothing is left under an old key: the keys in PLUGBOARD_SECRET_KEY_PREVIOUS can be removed',
    );
    // Progress as it goes, batch by batch.
    expect(rotated.stderr).toContain('credential data (credentials.secret): 2 of 5');
    expect(rotated.stderr).toContain('credential data (credentials.secret): 5 of 5');
    if (platform !== undefined) {
      // PostgreSQL: the platform served throughout, and reads the re-encrypted values.
      expect(await readEverything(platform)).toEqual(written);
      await stop();
    }

    expect(await readEverything(await start(KEY_B))).toEqual(written);
    await stop();

    const again = await runRotate([], rotateEnv(KEY_B, [KEY_A]));
    expect(again.code).toBe(0);
    expect(again.stdout).toContain('Re-encrypted 0 values');
    expect(again.stdout).toContain('Nothing is left under an old key');
  });

  it('reports a value under a key nobody gave with its record, leaves it, and takes it once the key is given', async () => {
    const sealedNow = async (t: TestPlatform) =>
      (
        await t.platform.services.db.query<{ secret: string }>(
          'SELECT secret FROM credentials WHERE id = $1',
          [lost.id],
        )
      )[0]?.secret;
    const t = await start(KEY_B);
    const lost = await new CredentialsRepository(
      t.platform.services.db,
      createSecretBox(KEY_C),
    ).create({
      pluginId: 'beta',
      integration: 'slack',
      name: 'from another installation',
      data: { botToken: 'xoxb-lost' },
    });
    const before = await sealedNow(t);
    // Where the platform needs it, it says which value and what to do.
    const opened = await t.platform.services.credentials.open(lost.id).then(
      () => undefined,
      (error: unknown) => error as { code: string; message: string },
    );
    expect(opened?.code).toBe('PLAT_SECRET_UNREADABLE');
    expect(opened?.message).toContain(`credential:${lost.id}`);
    await stop();

    const report = await runRotate([], rotateEnv(KEY_B, [KEY_A]));
    expect(report.code).toBe(1);
    expect(report.stdout).toContain('Re-encrypted 0 values');
    expect(report.stdout).toContain(`Still under an old key: 1 under key ${secretKeyId(KEY_C)}`);
    expect(report.stdout).toContain(
      `credential data of credential ${lost.id} (beta slack "from another installation"): sealed under key ${secretKeyId(KEY_C)}, not a known one`,
    );
    expect(report.stdout).not.toContain('Nothing is left under an old key');
    expect(report.stderr).toMatch(
      /PLAT_SECRET_UNREADABLE: 1 stored value opens under no known key .*add the key they were sealed with to PLUGBOARD_SECRET_KEY_PREVIOUS/,
    );
    expect(await sealedNow(await start(KEY_B))).toBe(before);
    await stop();

    const found = await runRotate([], rotateEnv(KEY_B, [KEY_C]));
    expect(found.code).toBe(0);
    expect(found.stdout).toContain('Re-encrypted 1 value under');
    const after = await start(KEY_B);
    expect((await after.platform.services.credentials.open(lost.id))?.data).toEqual({
      botToken: 'xoxb-lost',
    });
    expect(await readEverything(after)).toEqual(written);
    await stop();
  });

  it('takes values whose key is lost when they are stored again, after which nothing is left', async () => {
    const t = await start(KEY_B);
    const lost = createSecretBox(KEY_C);
    await t.platform.services.db.query(
      'UPDATE plugins SET config_sealed = $2, source_secret = $3 WHERE id = $1',
      [
        'gamma',
        lost.seal({ apiKey: 'lost' }, 'plugin-config:gamma'),
        lost.seal('lost-token', 'git-token:gamma'),
      ],
    );
    // The desired state needs them: refused, saying which value and what to do.
    const desired = await t.json<Envelope>('GET', '/plugin-server/desired', { auth: PLATFORM_KEY });
    expect(desired.status).toBe(500);
    expect(desired.body.error.code).toBe('PLAT_SECRET_UNREADABLE');
    expect(desired.body.error.message).toMatch(/the stored secret (git-token|plugin-config):gamma/);
    // The plugin's page opens, its configuration empty, to be entered again.
    const page = await t.json<{ config: Record<string, unknown> }>('GET', '/api/plugins/gamma');
    expect(page.status).toBe(200);
    expect(page.body.config).toEqual({});
    const masked = await t.json<Envelope>('PUT', '/api/plugins/gamma/config', {
      body: { config: { region: 'eu', apiKey: MASKED } },
    });
    expect(masked.status).toBe(500);
    expect(masked.body.error.code).toBe('PLAT_SECRET_UNREADABLE');
    expect(masked.body.error.message).toContain('send every field again, secrets included');
    const gamma = written.plugins.find((p) => p.id === 'gamma');
    const configured = await t.json('PUT', '/api/plugins/gamma/config', {
      body: { config: gamma?.config },
    });
    expect(configured.status).toBe(200);
    const updated = await t.json('POST', '/api/plugins/gamma/update', {
      body: { source: gamma?.source },
    });
    expect(updated.status).toBe(202);
    expect(await readEverything(t)).toEqual(written);
    await stop();

    const rotated = await runRotate([], rotateEnv(KEY_B, []));
    expect(rotated.code).toBe(0);
    expect(rotated.stdout).toContain('Every value is under the current key.');
  });
});
