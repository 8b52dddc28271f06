// Rotating the key `plugboard start` generated, with the real `plugboard secrets rotate
// --start-dir`: refused while a start holds the folder; `--new-key` puts a new key in keys.json
// (the old one kept as a previous key) and re-encrypts the embedded database under it; the
// platform then reads everything with the new key alone; `--drop-previous` removes the old key
// from keys.json once nothing is left under it.
import { readFile, rm, mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createPlatform, loadPlatformConfig, type Platform } from '@plugboard/platform';
import { loadOrCreateKeys, type StartKeys } from '../../src/commands/start-keys.ts';
import { runCli } from '../authoring/cli-run.ts';

interface Read {
  config: Record<string, unknown>;
  source: unknown;
  credential: unknown;
}

describe('plugboard secrets rotate --start-dir', () => {
  let dir: string;
  let credentialId: string;

  /** The platform as `plugboard start` opens it from the folder's keys (no HTTP needed here). */
  const openPlatform = async (keys: StartKeys): Promise<Platform> =>
    createPlatform({
      config: loadPlatformConfig(
        {},
        {
          dataDir: join(dir, 'platform'),
          apiTokens: [keys.apiToken],
          secretKey: keys.secretKey,
          secretKeyPrevious: keys.previousSecretKeys,
          pluginServerUrl: 'http://127.0.0.1:9',
          pluginServerApiKey: keys.serverApiKey,
          platformApiKeys: [keys.platformApiKey],
          webhookSecret: keys.webhookSecret,
          embeddedWorker: false,
          logLevel: 'silent',
        },
      ),
    });
  const readWith = async (keys: StartKeys): Promise<Read> => {
    const platform = await openPlatform(keys);
    try {
      const { pluginRepo, credentials } = platform.services;
      return {
        config: await pluginRepo.config('acme'),
        source: await pluginRepo.fullSource('acme'),
        credential: (await credentials.open(credentialId))?.data,
      };
    } finally {
      await platform.close();
    }
  };
  const keysFile = async () =>
    JSON.parse(await readFile(join(dir, 'keys.json'), 'utf8')) as StartKeys;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'plugboard-start-rotation-'));
    const { keys } = await loadOrCreateKeys(dir);
    const platform = await openPlatform(keys);
    try {
      await platform.services.pluginRepo.create({
        id: 'acme',
        source: { type: 'git', url: 'https://git.example.com/acme.git', token: 'ghp_acme' },
        config: { apiKey: 'config-secret' },
        grant: {},
      });
      credentialId = (
        await platform.services.credentials.create({
          pluginId: 'acme',
          integration: 'github',
          name: 'work',
          data: { token: 'credential-secret' },
        })
      ).id;
    } finally {
      await platform.close();
    }
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('gives the folder a new key, re-encrypts under it, and drops the old one when asked', async () => {
    const old = await keysFile();
    const written = await readWith(old);
    expect(written).toEqual({
      config: { apiKey: 'config-secret' },
      source: { type: 'git', url: 'https://git.example.com/acme.git', token: 'ghp_acme' },
      credential: { token: 'credential-secret' },
    });

    // A running start holds the folder (its lock names a live process: this one).
    await writeFile(join(dir, 'start.lock'), String(process.pid));
    const busy = await runCli(['secrets', 'rotate', '--start-dir', dir, '--new-key'], dir);
    expect(busy.code).toBe(1);
    expect(busy.stderr).toContain('CLI_ROTATION_FAILED');
    expect(busy.stderr).toContain('stop it first');
    expect(await keysFile()).toEqual(old);
    await rm(join(dir, 'start.lock'));

    const rotated = await runCli(['secrets', 'rotate', '--start-dir', dir, '--new-key'], dir);
    expect(rotated.stderr).not.toContain('error');
    expect(rotated.code).toBe(0);
    const renewed = await keysFile();
    expect(renewed.secretKey).not.toBe(old.secretKey);
    expect(renewed.secretKey.length).toBeGreaterThanOrEqual(32);
    expect(renewed.previousSecretKeys).toEqual([old.secretKey]);
    expect({ ...renewed, secretKey: '', previousSecretKeys: [] }).toEqual({
      ...old,
      secretKey: '',
      previousSecretKeys: [],
    });
    expect(rotated.stdout).toContain('Re-encrypted 3 values under key');
    expect(rotated.stdout).toContain(
      `Nothing is left under an old key: the keys in previousSecretKeys in ${dir}/keys.json can be removed`,
    );
    expect(await readWith({ ...renewed, previousSecretKeys: [] })).toEqual(written);

    const dropped = await runCli(['secrets', 'rotate', '--start-dir', dir, '--drop-previous'], dir);
    expect(dropped.code).toBe(0);
    expect(dropped.stdout).toContain('Re-encrypted 0 values');
    expect(await keysFile()).toEqual({ ...renewed, previousSecretKeys: [] });
    expect(await readWith(await keysFile())).toEqual(written);
  });

  it('refuses a folder with no keys and --new-key without one', async () => {
    const empty = await mkdtemp(join(tmpdir(), 'plugboard-start-rotation-empty-'));
    try {
      const none = await runCli(['secrets', 'rotate', '--start-dir', empty], empty);
      expect(none.code).toBe(1);
      expect(none.stderr).toContain('CLI_ROTATION_FAILED');
      expect(none.stderr).toContain('has no keys.json');
      const usage = await runCli(['secrets', 'rotate', '--new-key'], empty);
      expect(usage.code).toBe(1);
      expect(usage.stderr).toContain('CLI_USAGE: --new-key and --drop-previous work on the keys');
    } finally {
      await rm(empty, { recursive: true, force: true });
    }
  });
});
