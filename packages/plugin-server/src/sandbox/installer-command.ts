/**
 * @module The dependency installer, confined like a plugin: bubblewrap's namespaces (the host's
 * network stays, for the registry), a uid of its own that owns only the shared package cache and
 * the package being installed, and nothing else of the host's but the runtime, read-only. It
 * matters most when install scripts are allowed: they then run third-party code.
 */
import { delimiter } from 'node:path';
import type { HostSandbox } from './host-probe.ts';
import { ancestors, bindsOf, SYSTEM_DIRS, TLS_FILES } from './host-binds.ts';
import { dropPrivileges, SETPRIV_CAPS } from './sandbox-command.ts';

/** Name resolution on the host network, for the registry. */
const RESOLVER_FILES = ['/etc/resolv.conf', '/etc/hosts', '/etc/nsswitch.conf', '/etc/gai.conf'];

export interface InstallerSandboxRequest {
  readonly host: HostSandbox;
  readonly bwrap: string;
  readonly uid: number;
  /** The package being installed and the shared package cache: all it may write. */
  readonly packageDir: string;
  readonly cacheDir: string;
  /** Read-only: the runtime (node, npm, bun and pnpm live there or on PATH). */
  readonly readPaths: readonly string[];
  readonly path: string;
}

/**
 * The bubblewrap arguments that confine an install tool; the tool's command goes after them. Of
 * the server's data folder it sees only the package and the cache, each its own bind (so tools
 * copy from the cache rather than hard-link: link(2) does not cross mounts).
 */
export async function installerSandbox(request: InstallerSandboxRequest): Promise<string[]> {
  const drop = dropPrivileges(request.host, request.uid);
  const pathDirs = request.path.split(delimiter).filter((dir) => dir.startsWith('/'));
  const readPaths = [...new Set([...pathDirs, ...request.readPaths])].filter(
    (path) => !SYSTEM_DIRS.some((dir) => path === dir || path.startsWith(`${dir}/`)),
  );
  return [
    request.bwrap,
    ...(drop === undefined
      ? ['--unshare-all', '--share-net']
      : [
          '--unshare-ipc',
          '--unshare-pid',
          '--unshare-uts',
          '--unshare-cgroup-try',
          ...SETPRIV_CAPS,
        ]),
    '--die-with-parent',
    '--new-session',
    ...ancestors([...TLS_FILES, ...RESOLVER_FILES]).flatMap((dir) => [
      '--perms',
      '0755',
      '--dir',
      dir,
    ]),
    ...(await bindsOf([...SYSTEM_DIRS, ...TLS_FILES, ...RESOLVER_FILES])),
    '--proc',
    '/proc',
    '--dev',
    '/dev',
    '--perms',
    '1777',
    '--tmpfs',
    '/tmp',
    ...ancestors([...readPaths, request.packageDir, request.cacheDir]).flatMap((dir) => [
      '--perms',
      '0755',
      '--dir',
      dir,
    ]),
    ...(await bindsOf(readPaths)),
    '--bind',
    request.packageDir,
    request.packageDir,
    '--bind',
    request.cacheDir,
    request.cacheDir,
    '--chdir',
    request.packageDir,
    '--',
    ...(drop ?? []),
  ];
}
