/**
 * @module The keys `plugboard start` needs (the admin's API token, the encryption key, the keys
 * the platform and the Plugin Server present to each other, the webhook secret): generated on
 * the first start and kept in the data folder, readable by its owner only, so the next start
 * opens the same encrypted data and the same token keeps working.
 */
import { randomBytes } from 'node:crypto';
import { chmod, mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { z } from 'zod';
import { CliError } from '../cli-error.ts';

const keysSchema = z.object({
  apiToken: z.string().min(16),
  secretKey: z.string().min(32),
  serverApiKey: z.string().min(16),
  platformApiKey: z.string().min(16),
  webhookSecret: z.string().min(24),
});
export type StartKeys = z.infer<typeof keysSchema>;

const key = (prefix: string) => `${prefix}_${randomBytes(24).toString('base64url')}`;

export async function loadOrCreateKeys(
  dataDir: string,
): Promise<{ keys: StartKeys; created: boolean }> {
  const file = join(dataDir, 'keys.json');
  let text: string | undefined;
  try {
    text = await readFile(file, 'utf8');
  } catch {
    text = undefined;
  }
  if (text !== undefined) {
    return { keys: parseKeys(file, text), created: false };
  }
  const keys: StartKeys = {
    apiToken: key('pbt'),
    secretKey: randomBytes(32).toString('base64url'),
    serverApiKey: key('pbs'),
    platformApiKey: key('pbp'),
    webhookSecret: `whsec_${randomBytes(32).toString('base64')}`,
  };
  await mkdir(dataDir, { recursive: true, mode: 0o700 });
  await writeFile(file, `${JSON.stringify(keys, null, 2)}\n`, { mode: 0o600, flag: 'wx' });
  return { keys, created: true };
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
      `${file} is damaged; restore it from a backup (the encrypted config and credentials need its secretKey), or move the data folder away to start afresh`,
    );
  }
  return parsed.data;
}

/** Where the operator CLI finds the platform: `plugboard plugins list` works with no flags. */
export async function writeConnection(
  dataDir: string,
  connection: { url: string; token: string },
): Promise<void> {
  const file = join(dataDir, 'connection.json');
  // Written aside with owner-only rights, then moved in: the token is never readable by others.
  await writeFile(`${file}.partial`, `${JSON.stringify(connection, null, 2)}\n`, { mode: 0o600 });
  await chmod(`${file}.partial`, 0o600);
  await rename(`${file}.partial`, file);
}
