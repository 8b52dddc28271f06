/**
 * @module The sandbox as the engine sees it: for each launch, the grants decided from the
 * manifest and the operator's policy, the plugin's uid, its control groups and folders, and the
 * command line that confines it; what held and what is missing, for the host and per plugin.
 */
import { chmod, chown, lstat, mkdir, rename, rm, writeFile } from 'node:fs/promises';
import { basename, join } from 'node:path';
import type { ServerConfig } from '../config.ts';
import type { BridgeSocket } from '../http/bridge-socket.ts';
import { ServerError } from '../errors.ts';
import { mountCache, saveAndUnmount, unmountCachesUnder } from './cache-mount.ts';
import { installerSandbox } from './installer-command.ts';
import { seccompFilter } from './seccomp.ts';
import { chownTree } from './owner.ts';
import { createGroup } from './cgroups.ts';
import { requireGrants, type Grants, type Requested } from './grants.ts';
import { describeSandbox, type PluginGrant } from '@plugboard/server-api';
import type { HostSandbox, LayerReport } from './host-probe.ts';
import type { PluginUids } from './plugin-uids.ts';
import { EGRESS_PROXY_PORT, PLUGIN_ENV } from '@plugboard/protocol';
import { startEgressProxy } from './egress-proxy.ts';
import {
  INSIDE_BRIDGE_SOCKET,
  INSIDE_PLUGIN_SOCKET,
  INSIDE_RUN_DIR,
  sandboxCommand,
} from './sandbox-command.ts';

type SandboxMode = ServerConfig['sandbox']['mode'];

export interface SandboxDeps {
  readonly mode: SandboxMode;
  readonly host: HostSandbox;
  readonly policy: Pick<
    ServerConfig,
    'sandbox' | 'allowChildProcess' | 'allowNetwork' | 'pluginEnv' | 'egressAllow'
  >;
  readonly uids: PluginUids;
  /** A short folder of the server's (Unix socket paths are limited to 107 bytes). */
  readonly runRoot: string;
  /** What installs use: the shared package cache, the runtime, the PATH their tools come from. */
  readonly install: {
    readonly cacheDir: string;
    readonly readPaths: readonly string[];
    readonly path: string;
    readonly relay: { readonly node: string; readonly script: string };
    /** Where the egress proxy's refusals are told (the server's log). */
    readonly log: (line: string) => void;
  };
  /** Opens a file bridge socket for one launch (undefined before the server listens). */
  readonly openBridge: (path: string) => Promise<BridgeSocket | undefined>;
}

interface LaunchSpec {
  readonly pluginId: string;
  readonly folder: string;
  readonly requested: Requested;
  readonly grant: PluginGrant;
  /** Host folders the runtime needs, read-only. */
  readonly readPaths: readonly string[];
  /** The plugin's log, for what the sandbox refuses (egress). */
  readonly log: (line: string) => void;
}

interface PreparedLaunch {
  readonly grants: Grants;
  /** What confines this plugin, after its grants (a network grant opens the network layer). */
  readonly layers: LayerReport;
  /** Whether it runs in its own namespaces (bubblewrap), which changes how it is signalled. */
  readonly namespaced: boolean;
  /** The command to run instead of `command` itself; undefined when it runs unconfined. */
  wrap(command: readonly string[]): Promise<string[] | undefined>;
  /** Extra environment for the plugin (its socket and the bridge's, inside the sandbox). */
  readonly env: Readonly<Record<string, string>>;
  /** The socket the plugin listens on, inside its sandbox; undefined for a TCP port. */
  readonly socket: string | undefined;
  /** The cgroup memory limit, when one holds. */
  readonly memoryLimitMiB: number | undefined;
  /** A file holding the seccomp filter, to hand to the process as descriptor SECCOMP_FD. */
  readonly seccomp: string | undefined;
  /** Called once it has announced itself: the limits that would slow a start take hold. */
  started(): Promise<void>;
  /** Whether the kernel's out-of-memory killer ended it (read after it exited). */
  outOfMemory(): Promise<boolean>;
  /**
   * Once the plugin listens: moves its socket out of the folder the plugin can write into one
   * only the server writes, checked to be the plugin's own socket, and returns that path. Dialled
   * where the plugin put it, a link the plugin swapped in would point the server (root) at any
   * socket of the host's.
   */
  claimSocket(): Promise<string>;
  /** Removes its control groups and socket folder. */
  release(): Promise<void>;
}

interface InstallConfinement {
  readonly confine: (command: readonly string[]) => string[];
  /** Closes its egress proxy and gives the package back to root, so no later install changes it. */
  done(): Promise<void>;
}

export interface Sandbox {
  readonly mode: SandboxMode;
  readonly host: HostSandbox;
  prepare(spec: LaunchSpec): Promise<PreparedLaunch>;
  /**
   * Confines the dependency install of one package: its tools run in bubblewrap as the installer's
   * uid, which owns only the shared package cache and (until `done`) that package. Undefined
   * where the host cannot (no namespaces) or the sandbox is off.
   */
  confineInstall(
    packageDir: string,
    registries: readonly string[],
  ): Promise<InstallConfinement | undefined>;
  /** Before a folder is removed (a version's, a plugin's): unmounts the compile caches in it. */
  forget(folder: string): Promise<void>;
  /**
   * At shutdown, once the plugins are stopped: saves and unmounts every compile cache it mounted
   * (the data folder can then be removed; the next start restores them).
   */
  close(): Promise<void>;
}

let launches = 0;

/** The descriptor bubblewrap reads the seccomp filter from (3 is its info pipe). */
const SECCOMP_FD = 4;

export function createSandbox(deps: SandboxDeps): Sandbox {
  const { host, mode } = deps;
  const namespaces = mode !== 'off' && !host.layers.missing.some((m) => m.layer === 'files');
  const caches = new Set<string>();
  // Written once, by the server: every sandbox reads the same filter from it.
  let filterFile: Promise<string | undefined> | undefined;
  const seccompFile = (): Promise<string | undefined> =>
    (filterFile ??= (async () => {
      const filter = seccompFilter();
      if (filter === undefined) {
        return undefined;
      }
      const path = join(deps.runRoot, 'seccomp.bpf');
      await writeFile(path, filter, { mode: 0o400 });
      return path;
    })());
  let cacheOwned: Promise<void> | undefined;
  return {
    mode,
    host,
    async confineInstall(packageDir, registries) {
      const { bwrap } = host;
      if (!namespaces || bwrap === undefined) {
        return undefined;
      }
      const uid = host.root ? deps.policy.sandbox.uidBase - 1 : (process.getuid?.() ?? 0);
      if (host.root) {
        // Once per server run: the cache may hold files an earlier, unconfined install wrote. Its
        // home and temp folders are made first, so the server never makes them as root later.
        cacheOwned ??= (async () => {
          for (const dir of ['home', 'tmp']) {
            await mkdir(join(deps.install.cacheDir, dir), { recursive: true });
          }
          await chownTree(deps.install.cacheDir, uid, uid);
        })();
        await cacheOwned;
        await chownTree(packageDir, uid, uid);
      }
      launches += 1;
      const egressSocket = join(deps.runRoot, `${String(launches)}.install-egress.sock`);
      const hosts = [
        ...new Set(registries.map((url) => new URL(url).hostname.replace(/^\[|\]$/g, ''))),
      ];
      // The registries are the operator's: reached wherever they are, loopback included.
      const egress = await startEgressProxy(
        egressSocket,
        { hosts, allowRanges: [], trustedHosts: hosts },
        deps.install.log,
      );
      await chmod(egressSocket, 0o666);
      const prefix = await installerSandbox({
        host,
        bwrap,
        uid,
        packageDir,
        cacheDir: deps.install.cacheDir,
        readPaths: deps.install.readPaths,
        path: deps.install.path,
        egressSocket,
        relay: deps.install.relay,
      });
      return {
        confine: (command) => [...prefix, ...command],
        async done() {
          await egress.close();
          await rm(egressSocket, { force: true });
          if (host.root) {
            await chownTree(packageDir, 0, 0);
          }
        },
      };
    },
    async forget(folder) {
      await unmountCachesUnder(folder);
    },
    async close() {
      for (const cache of caches) {
        await saveAndUnmount(cache).catch(() => undefined);
      }
      caches.clear();
    },
    async prepare(spec) {
      const grants = requireGrants(spec, deps.policy);
      const layers = pluginLayers(mode, host.layers);
      if (mode === 'strict' && layers.missing.length > 0) {
        throw new ServerError(
          'PSRV_SANDBOX_UNAVAILABLE',
          `plugin ${spec.pluginId} is not started: PLUGBOARD_SERVER_SANDBOX=strict and this host cannot fully confine it (${describeSandbox(layers)}); provide the missing layers or set PLUGBOARD_SERVER_SANDBOX=auto`,
          { details: { confined: layers.confined, missing: layers.missing } },
        );
      }
      if (mode === 'off') {
        return unconfined(grants, layers);
      }
      launches += 1;
      const launch = launches;
      const name = `${spec.pluginId}.${String(process.pid)}.${String(launch)}`;
      const runDir = join(deps.runRoot, String(launch));
      const uid = host.root ? await deps.uids.uidFor(spec.pluginId) : (process.getuid?.() ?? 0);
      const cacheDir = join(spec.folder, 'cache');
      if (namespaces) {
        await mkdir(runDir, { mode: 0o700 });
        // The package arrives in a private staging folder (0700); the plugin's uid must read it.
        await chmod(join(spec.folder, 'package'), 0o755);
        if (host.root) {
          await chown(runDir, uid, uid);
          await mountCache(cacheDir, uid, grants.scratchMiB);
          caches.add(cacheDir);
        }
      }
      const cgroup =
        host.cgroups === undefined || Object.keys(host.cgroups.bases).length === 0
          ? undefined
          : await createGroup(host.cgroups, name, {
              memoryBytes: grants.memoryMiB * 1024 * 1024,
              cpus: grants.cpus,
              processes: grants.processes,
            });
      // In the server's own folder (the plugin cannot replace it), bound into the sandbox.
      const bridge = namespaces
        ? await deps.openBridge(join(deps.runRoot, `${String(launch)}.bridge.sock`))
        : undefined;
      const bridgeSocket = bridge?.path;
      const seccomp = namespaces ? await seccompFile() : undefined;
      const egress =
        namespaces && grants.network !== false
          ? await startEgressProxy(
              join(runDir, 'egress.sock'),
              {
                hosts: grants.network === true ? true : grants.network.hosts,
                allowRanges: deps.policy.egressAllow,
              },
              spec.log,
            )
          : undefined;
      if (egress !== undefined) {
        // Root's socket in the plugin's folder: the plugin's uid must be able to connect.
        await chmod(join(runDir, 'egress.sock'), 0o666);
      }
      return {
        grants,
        layers,
        namespaced: namespaces,
        seccomp,
        env: namespaces
          ? {
              PLUGBOARD_PLUGIN_SOCKET: INSIDE_PLUGIN_SOCKET,
              ...(bridgeSocket === undefined
                ? {}
                : { PLUGBOARD_FILE_BRIDGE_SOCKET: INSIDE_BRIDGE_SOCKET }),
              ...(egress === undefined ? {} : egressEnv()),
            }
          : {},
        socket: namespaces ? INSIDE_PLUGIN_SOCKET : undefined,
        memoryLimitMiB: host.cgroups?.bases.memory === undefined ? undefined : grants.memoryMiB,
        wrap: async (command) => {
          const argv = await sandboxCommand({
            host,
            namespaces,
            grants,
            uid,
            command,
            readPaths: spec.readPaths,
            packageDir: join(spec.folder, 'package'),
            scratchDir: join(spec.folder, 'scratch'),
            cacheDir,
            cwd: join(spec.folder, 'package'),
            runDir,
            bridgeSocket,
            seccompFd: seccomp === undefined ? undefined : SECCOMP_FD,
            procsFiles: cgroup?.procsFiles ?? [],
          });
          return argv.length === command.length ? undefined : argv;
        },
        async claimSocket() {
          const claimed = join(deps.runRoot, `${String(launch)}.plugin.sock`);
          await rename(join(runDir, basename(INSIDE_PLUGIN_SOCKET)), claimed);
          const found = await lstat(claimed);
          if (!found.isSocket() || (host.root && found.uid !== uid)) {
            await rm(claimed, { force: true });
            throw new ServerError(
              'PSRV_START_FAILED',
              `plugin ${spec.pluginId} did not start: what it left at ${INSIDE_PLUGIN_SOCKET} is not its own socket`,
            );
          }
          return claimed;
        },
        started: async () => {
          await cgroup?.capCpu();
        },
        outOfMemory: async () => ((await cgroup?.oomKills()) ?? 0) > 0,
        async release() {
          await rm(join(deps.runRoot, `${String(launch)}.plugin.sock`), { force: true });
          await egress?.close();
          await bridge?.close();
          await cgroup?.remove().catch(() => undefined);
          await rm(runDir, { recursive: true, force: true });
        },
      };
    },
  };
}

/** HTTP clients (Node's fetch and http with NODE_USE_ENV_PROXY, curl, most libraries) use it. */
function egressEnv(): Record<string, string> {
  const proxy = `http://127.0.0.1:${String(EGRESS_PROXY_PORT)}`;
  return {
    [PLUGIN_ENV.egressSocket.name]: `${INSIDE_RUN_DIR}/egress.sock`,
    HTTP_PROXY: proxy,
    HTTPS_PROXY: proxy,
    http_proxy: proxy,
    https_proxy: proxy,
    NODE_USE_ENV_PROXY: '1',
  };
}

function unconfined(grants: Grants, layers: LayerReport): PreparedLaunch {
  return {
    grants,
    layers,
    namespaced: false,
    seccomp: undefined,
    env: {},
    socket: undefined,
    memoryLimitMiB: undefined,
    wrap: () => Promise.resolve(undefined),
    claimSocket: () =>
      Promise.reject(
        new ServerError(
          'PSRV_INTERNAL',
          'an unconfined plugin listens on a TCP port, not a socket',
        ),
      ),
    started: () => Promise.resolve(),
    outOfMemory: () => Promise.resolve(false),
    release: () => Promise.resolve(),
  };
}

/** The host's layers for one plugin; mode off opens all. */
function pluginLayers(mode: SandboxMode, host: LayerReport): LayerReport {
  if (mode === 'off') {
    return {
      confined: [],
      missing: [...host.confined, ...host.missing.map((m) => m.layer)].map((layer) => ({
        layer,
        why: 'the sandbox is off (PLUGBOARD_SERVER_SANDBOX=off)',
      })),
    };
  }
  return host;
}
