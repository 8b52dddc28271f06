/**
 * @module A plugin's compile cache on a small tmpfs of its own, mounted by the server: it lasts
 * across the plugin's restarts (a warm start skips compiling the runtime again) yet a plugin that
 * writes into it fills only that tmpfs, never the disk the server and the other plugins share.
 */
import { execFile } from 'node:child_process';
import { readFile, stat } from 'node:fs/promises';
import { dirname } from 'node:path';
import { ServerError } from '../errors.ts';

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

/** Mounts the cache tmpfs unless it is there already (a restart, a server that came back). */
export async function mountCache(dir: string, uid: number, sizeMiB: number): Promise<void> {
  if (await mounted(dir)) {
    return;
  }
  await run('mount', [
    '-t',
    'tmpfs',
    '-o',
    `size=${String(sizeMiB)}m,mode=0700,uid=${String(uid)},gid=${String(uid)},nosuid,nodev,noexec`,
    SOURCE,
    dir,
  ]);
}

const SOURCE = 'plugboard-cache';

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
