/**
 * @module The dependency installer, confined like a plugin: bubblewrap's namespaces, no network
 * but an egress proxy that reaches the configured registries only, a uid of its own that owns
 * only the shared package cache and the package being installed, and nothing else of the host's
 * but the runtime, read-only. It matters most when install scripts are allowed: they then run
 * third-party code.
 */
import { delimiter } from 'node:path';
import { EGRESS_PROXY_PORT } from '@plugboard/protocol';
import type { HostSandbox } from './host-probe.ts';
import { ancestors, bindsOf, SYSTEM_DIRS, systemView } from './host-binds.ts';
import { dropPrivileges, namespacesFor } from './sandbox-command.ts';

/** Where, inside the installer's sandbox, the egress proxy's socket is. */
const INSIDE_EGRESS = '/run/plugboard-egress.sock';

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
  /** The egress proxy that lets it reach the configured registries and nothing else. */
  readonly egressSocket: string;
  /** Node and the SDK's relay script, which serve the proxy inside on EGRESS_PROXY_PORT. */
  readonly relay: { readonly node: string; readonly script: string };
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
    // Even here: the way out is the egress proxy, to the configured registries only.
    ...namespacesFor(drop),
    '--die-with-parent',
    '--new-session',
    ...(await systemView([INSIDE_EGRESS])),
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
    '--ro-bind',
    request.egressSocket,
    INSIDE_EGRESS,
    // npm, pnpm and bun all take their proxy from these; nothing may bypass it.
    ...[
      'HTTP_PROXY',
      'HTTPS_PROXY',
      'http_proxy',
      'https_proxy',
      'npm_config_proxy',
      'npm_config_https_proxy',
    ].flatMap((name) => ['--setenv', name, `http://127.0.0.1:${String(EGRESS_PROXY_PORT)}`]),
    ...['NO_PROXY', 'no_proxy', 'npm_config_noproxy'].flatMap((name) => ['--unsetenv', name]),
    '--chdir',
    request.packageDir,
    '--',
    ...(drop ?? []),
    request.relay.node,
    '--disable-sigusr1',
    request.relay.script,
    INSIDE_EGRESS,
    '--',
  ];
}
