/**
 * @module The keys `plugboard start` needs (the admin's API token, the encryption key, the keys
 * the platform and the Plugin Server present to each other, the webhook secret): generated on
 * the first start and kept in the data folder, readable by its owner only, so the next start
 * opens the same encrypted data and the same token keeps working.
 */
import { randomBytes } from 'node:crypto';
import { chmod, mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { z } from 'zod';

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
    return { keys: keysSchema.parse(JSON.parse(text)), created: false };
  }
  const keys: StartKeys = {
    apiToken: key('pbt'),
    secretKey: randomBytes(32).toString('base64url'),
    serverApiKey: key('pbs'),
    platformApiKey: key('pbp'),
    webhookSecret: `whsec_${randomBytes(32).toString('base64')}`,
  };
  await mkdir(dataDir, { recursive: true, mode: 0o700 });
  // `wx`: two starts racing on a new folder must not each write their own keys.
  await writeFile(file, `${JSON.stringify(keys, null, 2)}\n`, { mode: 0o600, flag: 'wx' });
  return { keys, created: true };
}

/** Where the operator CLI finds the platform: `plugboard plugins list` works with no flags. */
export async function writeConnection(
  dataDir: string,
  connection: { url: string; token: string },
): Promise<void> {
  const file = join(dataDir, 'connection.json');
  await writeFile(file, `${JSON.stringify(connection, null, 2)}\n`, { mode: 0o600 });
  await chmod(file, 0o600);
}
