/**
 * @module The dependency installer, confined like a plugin: bubblewrap's namespaces (the host's
 * network stays, for the registry), a uid of its own that owns only the shared package cache and
 * the package being installed, so it writes nothing else, and the server's logs, uploads, status
 * outbox and staging hidden. It matters most when install scripts are allowed: they then run
 * third-party code.
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
  /** The Plugin Server's data folder: the package and the cache are inside it, on one mount. */
  readonly dataDir: string;
  /** Folders of the data folder the installer must not see. */
  readonly hidden: readonly string[];
  readonly packageDir: string;
  /** Read-only: the runtime (node, npm, bun and pnpm live there or on PATH). */
  readonly readPaths: readonly string[];
  readonly path: string;
}

/**
 * The bubblewrap arguments that confine an install tool; the tool's command goes after them.
 * The data folder is one bind, so the tools' hard links from the cache into node_modules work
 * (link(2) refuses to cross mounts); file ownership keeps the installer to its two folders.
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
    ...ancestors([...readPaths, request.dataDir]).flatMap((dir) => [
      '--perms',
      '0755',
      '--dir',
      dir,
    ]),
    ...(await bindsOf(readPaths)),
    '--bind',
    request.dataDir,
    request.dataDir,
    ...request.hidden.flatMap((dir) => ['--tmpfs', dir]),
    '--chdir',
    request.packageDir,
    '--',
    ...(drop ?? []),
  ];
}
