/**
 * @module Host paths a sandbox binds, as bubblewrap arguments: the system folders a runtime links
 * against (symlinks kept as symlinks), TLS roots, and the folders above a bind, made passable.
 */
import { lstat, readlink } from 'node:fs/promises';
import { dirname } from 'node:path';

/** Host folders the runtime links against, bound read-only when they exist. */
export const SYSTEM_DIRS = ['/usr', '/bin', '/sbin', '/lib', '/lib32', '/lib64', '/libx32'];
/** TLS roots, for plugins that reach HTTPS hosts through the egress proxy. */
const TLS_FILES = ['/etc/ssl', '/etc/ca-certificates', '/etc/pki'];

/** Every folder above the given paths, parents first, without duplicates. */
export function ancestors(paths: readonly string[]): string[] {
  const dirs = new Set<string>();
  for (const path of paths) {
    const chain: string[] = [];
    for (let dir = dirname(path); dir !== dirname(dir); dir = dirname(dir)) {
      chain.unshift(dir);
    }
    for (const dir of chain) {
      dirs.add(dir);
    }
  }
  return [...dirs].sort((a, b) => a.split('/').length - b.split('/').length);
}

/** Read-only binds of the paths that exist, a symlink as the same symlink. */
export async function bindsOf(paths: readonly string[]): Promise<string[]> {
  const args: string[] = [];
  for (const path of paths) {
    const stat = await lstat(path).catch(() => undefined);
    if (stat === undefined) {
      continue;
    }
    if (stat.isSymbolicLink()) {
      args.push('--symlink', await readlink(path), path);
    } else {
      args.push('--ro-bind', path, path);
    }
  }
  return args;
}

/**
 * The view every sandbox starts from: the folders above `passable` made passable (bubblewrap makes
 * the folders on the way to a bind 0700 as root, which a dropped uid could not pass), the system
 * folders and TLS roots read-only, /proc and /dev.
 */
export async function systemView(passable: readonly string[]): Promise<string[]> {
  return [
    ...ancestors([...TLS_FILES, ...passable]).flatMap((dir) => ['--perms', '0755', '--dir', dir]),
    ...(await bindsOf([...SYSTEM_DIRS, ...TLS_FILES])),
    '--proc',
    '/proc',
    '--dev',
    '/dev',
  ];
}
