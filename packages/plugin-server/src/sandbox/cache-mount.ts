/**
 * @module A plugin's compile cache on a small tmpfs of its own, mounted by the server: it lasts
 * across the plugin's restarts (a warm start skips compiling the runtime again) yet a plugin that
 * writes into it fills only that tmpfs, never the disk the server and the other plugins share.
 * At shutdown, with the plugins stopped, a cache of reasonable size is saved beside it (regular
 * files only) and restored into the next mount, so a server restart starts plugins warm too.
 */
import { execFile } from 'node:child_process';
import { cp, lstat, readdir, readFile, rm, stat } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { ServerError } from '../errors.ts';
import { chownTree } from './owner.ts';

function run(command: string, args: readonly string[]): Promise<void> {
  return new Promise((resolve, reject) => {
    execFile(command, args, { timeout: 10_000 }, (error, _stdout, stderr) => {
      if (error === null) {
        resolve();
      } else {
        reject(
          new ServerError(
            'PSRV_SANDBOX_UNAVAILABLE',
            `${command} ${args.join(' ')} failed: ${stderr.trim() || error.message}`,
          ),
        );
      }
    });
  });
}

/** A folder is a mount point when it sits on another device than its parent. */
async function mounted(dir: string): Promise<boolean> {
  const [self, parent] = await Promise.all([stat(dir), stat(dirname(dir))]);
  return self.dev !== parent.dev;
}

/** The source name of the mounts, by which they are found in the mount table. */
const SOURCE = 'plugboard-cache';

/** A saved cache larger than this is not kept: a compile cache is a few MiB. */
const SAVE_MAX_BYTES = 32 * 1024 * 1024;

const savedOf = (dir: string): string => `${dir}.saved`;

/**
 * Mounts the cache tmpfs unless it is there already (a restart, a server that came back), with
 * what was saved at the last shutdown copied in: one shell, since a restart does this for every
 * plugin at once and each process the server starts costs it a fork.
 */
export async function mountCache(dir: string, uid: number, sizeMiB: number): Promise<void> {
  if (await mounted(dir)) {
    return;
  }
  await run('/bin/sh', [
    '-c',
    'mount -t tmpfs -o "$1" "$2" "$3" && if [ -d "$4" ]; then cp -R "$4"/. "$3"/ && chown -R "$5" "$3"; fi',
    'sh',
    `size=${String(sizeMiB)}m,mode=0700,uid=${String(uid)},gid=${String(uid)},nosuid,nodev,noexec`,
    SOURCE,
    dir,
    savedOf(dir),
    `${String(uid)}:${String(uid)}`,
  ]);
}

/** At shutdown (its plugin stopped): keeps what the cache holds, then unmounts it. */
export async function saveAndUnmount(dir: string): Promise<void> {
  if (!(await mounted(dir).catch(() => false))) {
    return;
  }
  await rm(savedOf(dir), { recursive: true, force: true });
  if ((await regularBytes(dir)) <= SAVE_MAX_BYTES) {
    await cp(dir, savedOf(dir), {
      recursive: true,
      // Links are the plugin's to make: only its files and folders are kept.
      filter: async (source) => {
        const found = await lstat(source);
        return found.isFile() || found.isDirectory();
      },
    });
    await chownTree(savedOf(dir), 0, 0);
  }
  await run('umount', [dir]);
}

async function regularBytes(dir: string): Promise<number> {
  let total = 0;
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) {
      total += await regularBytes(path);
    } else if (entry.isFile()) {
      total += (await lstat(path)).size;
    }
  }
  return total;
}

/**
 * Unmounts every compile cache at or below `dir` (a version's folder, a plugin's, or the whole
 * data folder), read from the mount table, so one a previous run of the server mounted goes too.
 */
export async function unmountCachesUnder(dir: string): Promise<void> {
  const table = await readFile('/proc/self/mountinfo', 'utf8').catch(() => '');
  const points = table
    .split('\n')
    .map((line) => line.split(' - '))
    .filter(([, right]) => right?.split(' ')[1] === SOURCE)
    .map(([left]) => (left ?? '').split(' ')[4] ?? '')
    // Mount points escape spaces and the like as octal (\040).
    .map((point) =>
      point.replace(/\\([0-7]{3})/g, (_, octal: string) => String.fromCharCode(parseInt(octal, 8))),
    )
    .filter((point) => point === dir || point.startsWith(`${dir}/`))
    .sort((a, b) => b.length - a.length);
  for (const point of points) {
    await run('umount', [point]);
  }
}
