/**
 * @module Hands a folder tree to a uid and back, without following links: what the installer's
 * uid may write is exactly what it owns.
 */
import { lchown, lstat, readdir } from 'node:fs/promises';
import { join } from 'node:path';

export async function chownTree(dir: string, uid: number, gid: number): Promise<void> {
  const stat = await lstat(dir).catch(() => undefined);
  if (stat === undefined) {
    return;
  }
  await lchown(dir, uid, gid);
  if (!stat.isDirectory()) {
    return;
  }
  for (const entry of await readdir(dir)) {
    await chownTree(join(dir, entry), uid, gid);
  }
}
