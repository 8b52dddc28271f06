/**
 * @module The command line that starts one plugin inside its sandbox. Each layer is a well-kept
 * tool rather than code of ours: a shell puts the launch into its control groups, prlimit sets
 * its open-file and core limits, bubblewrap builds its mount, pid, network, IPC and UTS namespaces, and setpriv drops to the plugin's own uid. Layers
 * the host lacks are left out (and reported).
 */
import type { Grants } from './grants.ts';
import { ancestors, systemView } from './host-binds.ts';
import type { HostSandbox } from './host-probe.ts';

/** Where the plugin finds its own socket folder and the file bridge, inside its sandbox. */
export const INSIDE_RUN_DIR = '/run/plugboard';
export const INSIDE_PLUGIN_SOCKET = `${INSIDE_RUN_DIR}/plugin.sock`;
export const INSIDE_BRIDGE_SOCKET = '/run/plugboard-bridge.sock';

export interface SandboxCommandRequest {
  readonly host: HostSandbox;
  /** Whether bubblewrap can build namespaces here; without them only the limits apply. */
  readonly namespaces: boolean;
  readonly grants: Grants;
  readonly uid: number;
  /** The command to confine (node and its arguments). */
  readonly command: readonly string[];
  /** Host folders the plugin may read (the runtime), bound read-only at the same paths. */
  readonly readPaths: readonly string[];
  /** The package, read-only; scratch (a tmpfs of the granted size); the writable cache. */
  readonly packageDir: string;
  readonly scratchDir: string;
  readonly cacheDir: string;
  readonly cwd: string;
  /** The launch's own folder on the host, seen inside as INSIDE_RUN_DIR (its socket lives there). */
  readonly runDir: string;
  readonly bridgeSocket: string | undefined;
  /** The descriptor the seccomp filter is read from, when there is one for this machine. */
  readonly seccompFd?: number | undefined;
  /** cgroup.procs files to join before anything of the plugin runs. */
  readonly procsFiles: readonly string[];
}

/** Puts the shell's own pid into each control group given before `--`, then runs the rest. */
const JOIN_CGROUPS =
  'while [ "$1" != -- ]; do echo $$ > "$1" || exit 125; shift; done; shift; exec "$@"';

/**
 * Closes every descriptor above 4 (3 carries bubblewrap's info, 4 the seccomp filter) that the server itself inherited
 * from whatever started it: one open on a folder would let the plugin walk the host's files past
 * its mount namespace. Bash, because dash cannot name descriptors above 9. No redirection on the
 * loop: bash would park stderr on a high descriptor for it, and the loop would close that.
 */
const CLOSE_INHERITED =
  'for fd in /proc/self/fd/*; do n=${fd##*/}; if [ "$n" -gt 4 ] && [ -e "$fd" ]; then eval "exec $n>&-"; fi; done; ';

/** What setpriv needs inside a privileged bubblewrap to drop to a uid for good. */
const SETPRIV_CAPS = ['CAP_SETUID', 'CAP_SETGID', 'CAP_SETPCAP'].flatMap((cap) => [
  '--cap-add',
  cap,
]);

/**
 * As root, bubblewrap builds the namespaces itself (it can reach every folder it binds) and
 * setpriv, inside, drops to the given uid for good: no capabilities, no new privileges.
 * Otherwise (undefined) an unprivileged user namespace maps the server's own uid.
 */
export function dropPrivileges(host: HostSandbox, uid: number): string[] | undefined {
  return host.root && host.setpriv !== undefined
    ? [
        host.setpriv,
        `--reuid=${String(uid)}`,
        `--regid=${String(uid)}`,
        '--clear-groups',
        '--no-new-privs',
        '--inh-caps=-all',
        '--bounding-set=-all',
        '--',
      ]
    : undefined;
}

/**
 * Every namespace bubblewrap offers, the network's included. Run as root (`drop` is setpriv's
 * command) it keeps the host's user namespace, lending setpriv the capabilities it needs to drop
 * to the sandbox's uid; otherwise an unprivileged user namespace takes their place.
 */
export function namespacesFor(drop: readonly string[] | undefined): string[] {
  return drop === undefined
    ? ['--unshare-all']
    : [
        '--unshare-ipc',
        '--unshare-pid',
        '--unshare-uts',
        '--unshare-cgroup-try',
        '--unshare-net',
        ...SETPRIV_CAPS,
      ];
}

/**
 * The whole command line: cgroups and limits around bubblewrap when the host has it, around the
 * bare command when it does not (the limits still hold; the namespaces and identity do not).
 */
export async function sandboxCommand(request: SandboxCommandRequest): Promise<string[]> {
  const prefix = limitsPrefix(request);
  const { bwrap } = request.host;
  return request.namespaces && bwrap !== undefined
    ? [...prefix, ...(await bwrapCommand(request, bwrap))]
    : [...prefix, ...request.command];
}

async function bwrapCommand(request: SandboxCommandRequest, bwrapPath: string): Promise<string[]> {
  const { host, grants } = request;
  const dropToPlugin = dropPrivileges(host, request.uid);
  return [
    bwrapPath,
    // Even with a network grant: its way out is the egress proxy, never the host's network.
    ...namespacesFor(dropToPlugin),
    '--die-with-parent',
    ...(request.seccompFd === undefined ? [] : ['--seccomp', String(request.seccompFd)]),
    // A new session: the plugin cannot push input into the server's terminal (TIOCSTI).
    '--new-session',
    // bwrap's pid 1 reaps orphans; it reports its host pid here, and the plugin is its child.
    '--info-fd',
    '3',
    '--hostname',
    'plugin',
    ...(await systemView([])),
    // Owned by root in the sandbox, so open to all (sticky); the plugin's uid is the only user there.
    '--perms',
    '1777',
    '--size',
    String(grants.scratchMiB * 1024 * 1024),
    '--tmpfs',
    '/tmp',
    // After /tmp's tmpfs, which would hide folders made before it.
    ...ancestors([
      ...request.readPaths,
      request.packageDir,
      request.scratchDir,
      request.cacheDir,
      INSIDE_RUN_DIR,
      INSIDE_BRIDGE_SOCKET,
    ]).flatMap((dir) => ['--perms', '0755', '--dir', dir]),

    ...request.readPaths.flatMap((path) => ['--ro-bind', path, path]),
    '--ro-bind',
    request.packageDir,
    request.packageDir,
    '--perms',
    '1777',
    '--size',
    String(grants.scratchMiB * 1024 * 1024),
    '--tmpfs',
    request.scratchDir,
    '--bind',
    request.cacheDir,
    request.cacheDir,
    '--bind',
    request.runDir,
    INSIDE_RUN_DIR,
    ...(request.bridgeSocket === undefined
      ? []
      : ['--ro-bind', request.bridgeSocket, INSIDE_BRIDGE_SOCKET]),
    '--chdir',
    request.cwd,
    // The launcher's bash exports it (even unset, exec sets it again); the plugin gets only its own.
    '--unsetenv',
    'SHLVL',
    '--',
    ...(dropToPlugin ?? []),
    ...request.command,
  ];
}

/** Closes inherited descriptors, joins the launch's control groups, sets its open-file, core and (failing a pids cgroup) process limits. */
function limitsPrefix(request: SandboxCommandRequest): string[] {
  const { host, grants } = request;
  // Without a pids cgroup, RLIMIT_NPROC on the plugin's own uid still bounds its processes.
  const countProcesses =
    host.cgroups?.bases.pids === undefined &&
    request.namespaces &&
    host.root &&
    host.setpriv !== undefined;
  const limits =
    host.prlimit === undefined
      ? []
      : [
          host.prlimit,
          `--nofile=${String(grants.openFiles)}`,
          '--core=0',
          ...(countProcesses ? [`--nproc=${String(grants.processes * 2)}`] : []),
          '--',
        ];
  const join = [
    '/bin/bash',
    '-c',
    CLOSE_INHERITED + JOIN_CGROUPS,
    'bash',
    ...request.procsFiles,
    '--',
  ];
  return [...join, ...limits];
}
