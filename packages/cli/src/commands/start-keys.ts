/**
 * @module The keys `plugboard start` needs (the admin's API token, the encryption key, the keys
 * the platform and the Plugin Server present to each other, the webhook secret): generated on
 * the first start and kept in the data folder, readable by its owner only, so the next start
 * opens the same encrypted data and the same token keeps working. `plugboard secrets rotate
 * --start-dir` replaces the encryption key; the old ones stay listed as previous keys (they open,
 * never seal) until the operator drops them.
 */
import { randomBytes } from 'node:crypto';
import { chmod, mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { z } from 'zod';
import { CliError } from '../cli-error.ts';

const keysSchema = z.object({
  apiToken: z.string().min(16),
  secretKey: z.string().min(32),
  /** Earlier encryption keys, newest first, kept while values sealed under them may remain. */
  previousSecretKeys: z.array(z.string().min(32)).default([]),
  serverApiKey: z.string().min(16),
  platformApiKey: z.string().min(16),
  webhookSecret: z.string().min(24),
});
export type StartKeys = z.infer<typeof keysSchema>;

const KEYS_FILE = 'keys.json';

const key = (prefix: string) => `${prefix}_${randomBytes(24).toString('base64url')}`;
export const newSecretKey = (): string => randomBytes(32).toString('base64url');

export async function loadOrCreateKeys(
  dataDir: string,
): Promise<{ keys: StartKeys; created: boolean }> {
  const found = await readKeys(dataDir);
  if (found !== undefined) {
    return { keys: found, created: false };
  }
  const keys: StartKeys = {
    apiToken: key('pbt'),
    secretKey: newSecretKey(),
    previousSecretKeys: [],
    serverApiKey: key('pbs'),
    platformApiKey: key('pbp'),
    webhookSecret: `whsec_${randomBytes(32).toString('base64')}`,
  };
  await mkdir(dataDir, { recursive: true, mode: 0o700 });
  await writeFile(join(dataDir, KEYS_FILE), `${JSON.stringify(keys, null, 2)}\n`, {
    mode: 0o600,
    flag: 'wx',
  });
  return { keys, created: true };
}

/** The keys of a data folder, or undefined when it has none yet. */
export async function readKeys(dataDir: string): Promise<StartKeys | undefined> {
  const file = join(dataDir, KEYS_FILE);
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch {
    return undefined;
  }
  return parseKeys(file, text);
}

/** Replaces the keys: written aside, owner-only, then moved in, so a crash leaves old or new. */
export async function writeKeys(dataDir: string, keys: StartKeys): Promise<void> {
  await writePrivately(join(dataDir, KEYS_FILE), `${JSON.stringify(keys, null, 2)}\n`);
}

function parseKeys(file: string, text: string): StartKeys {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    json = undefined;
  }
  const parsed = keysSchema.safeParse(json);
  if (!parsed.success) {
    throw new CliError(
      'CLI_START_FAILED',
      `${file} is damaged; restore it from a backup (the encrypted config and credentials need its secretKey and previousSecretKeys), or move the data folder away to start afresh`,
    );
  }
  return parsed.data;
}

/** Where the operator CLI finds the platform: `plugboard plugins list` works with no flags. */
export async function writeConnection(
  dataDir: string,
  connection: { url: string; token: string },
): Promise<void> {
  await writePrivately(
    join(dataDir, 'connection.json'),
    `${JSON.stringify(connection, null, 2)}\n`,
  );
}

/** Written aside with owner-only rights, then moved in: never readable by others, never half. */
async function writePrivately(file: string, text: string): Promise<void> {
  await writeFile(`${file}.partial`, text, { mode: 0o600 });
  await chmod(`${file}.partial`, 0o600);
  await rename(`${file}.partial`, file);
}
