/**
 * @module What this host can confine a plugin with, probed once at start: root (a distinct uid per
 * plugin) or user namespaces, bubblewrap (mount, pid and network namespaces) and cgroup
 * controllers (memory, cpu, pids). Every layer is reported as held or missing with the reason.
 */
import { execFile } from 'node:child_process';
import { access, constants } from 'node:fs/promises';
import { delimiter, join } from 'node:path';
import { detectCgroups, type CgroupHost } from './cgroups.ts';
import { seccompFilter } from './seccomp.ts';

const SANDBOX_LAYERS = [
  'identity',
  'files',
  'processes',
  'network',
  'memory',
  'cpu',
  'syscalls',
] as const;
type SandboxLayer = (typeof SANDBOX_LAYERS)[number];

export interface LayerReport {
  readonly confined: readonly SandboxLayer[];
  readonly missing: readonly { readonly layer: SandboxLayer; readonly why: string }[];
}

export interface HostSandbox {
  /** Tools, by absolute path; undefined when absent. */
  readonly bwrap: string | undefined;
  readonly setpriv: string | undefined;
  readonly prlimit: string | undefined;
  /** Root can give each plugin its own uid; otherwise a user namespace maps the server's uid. */
  readonly root: boolean;
  readonly cgroups: CgroupHost | undefined;
  readonly layers: LayerReport;
}

export interface ProbeOptions {
  /** Where to look for bwrap, setpriv and prlimit (the server's PATH). */
  readonly path: string;
  /** Names this server's cgroups, so two servers on one host keep apart. */
  readonly tag: string;
  /** A uid no one uses, to try a namespace as a plugin would get it. */
  readonly trialUid: number;
}

export async function probeHost(options: ProbeOptions): Promise<HostSandbox> {
  const [bwrap, setpriv, prlimit] = await Promise.all(
    ['bwrap', 'setpriv', 'prlimit'].map((tool) => findTool(tool, options.path)),
  );
  const root = process.getuid?.() === 0;
  const cgroups = await detectCgroups(options.tag).catch(() => undefined);
  const missing: { layer: SandboxLayer; why: string }[] = [];
  const trial =
    bwrap === undefined
      ? 'bubblewrap (bwrap) is not installed; install the bubblewrap package'
      : await tryNamespaces(bwrap, root ? setpriv : undefined, options.trialUid);
  if (trial !== undefined) {
    for (const layer of ['files', 'processes', 'network', 'syscalls'] as const) {
      missing.push({ layer, why: trial });
    }
  }
  if (!root) {
    missing.push({
      layer: 'identity',
      why: 'the Plugin Server is not root, so plugins share its host uid (only a user namespace separates them)',
    });
  } else if (setpriv === undefined) {
    missing.push({ layer: 'identity', why: 'setpriv (util-linux) is not installed' });
  } else if (trial !== undefined) {
    missing.push({ layer: 'identity', why: trial });
  }
  for (const [controller, layer] of [
    ['memory', 'memory'],
    ['cpu', 'cpu'],
  ] as const) {
    if (cgroups?.bases[controller] === undefined) {
      missing.push({
        layer,
        why: cgroups?.unusable[controller] ?? 'no cgroup hierarchy is mounted',
      });
    }
  }
  if (cgroups?.bases.pids === undefined && (!root || prlimit === undefined)) {
    missing.push({
      layer: 'processes',
      why: cgroups?.unusable.pids ?? 'no pids cgroup and no per-plugin uid to count processes by',
    });
  }
  if (trial === undefined && seccompFilter() === undefined) {
    missing.push({
      layer: 'syscalls',
      why: `no seccomp filter is defined for ${process.arch}`,
    });
  }
  const missingLayers = new Set(missing.map((m) => m.layer));
  return {
    bwrap,
    setpriv,
    prlimit,
    root,
    cgroups,
    layers: {
      confined: SANDBOX_LAYERS.filter((layer) => !missingLayers.has(layer)),
      missing: uniqueByLayer(missing),
    },
  };
}

function uniqueByLayer<T extends { layer: SandboxLayer }>(items: T[]): T[] {
  const seen = new Set<SandboxLayer>();
  return items.filter((item) => !seen.has(item.layer) && seen.add(item.layer));
}

async function findTool(name: string, path: string): Promise<string | undefined> {
  for (const dir of path.split(delimiter)) {
    if (dir === '') {
      continue;
    }
    const candidate = join(dir, name);
    if (
      await access(candidate, constants.X_OK).then(
        () => true,
        () => false,
      )
    ) {
      return candidate;
    }
  }
  return undefined;
}

/** Runs `true` in fresh namespaces as a plugin would be run; undefined when that works. */
function tryNamespaces(
  bwrap: string,
  setpriv: string | undefined,
  uid: number,
): Promise<string | undefined> {
  const [command = bwrap, ...args] =
    setpriv === undefined
      ? [bwrap, '--unshare-all', '--die-with-parent', '--ro-bind', '/', '/', 'true']
      : [
          bwrap,
          '--unshare-ipc',
          '--unshare-pid',
          '--unshare-net',
          '--unshare-uts',
          '--die-with-parent',
          ...['CAP_SETUID', 'CAP_SETGID', 'CAP_SETPCAP'].flatMap((cap) => ['--cap-add', cap]),
          '--ro-bind',
          '/',
          '/',
          setpriv,
          `--reuid=${String(uid)}`,
          `--regid=${String(uid)}`,
          '--clear-groups',
          '--no-new-privs',
          '--bounding-set=-all',
          'true',
        ];
  return new Promise((resolve) => {
    execFile(command, args, { timeout: 5_000, env: {} }, (error, _stdout, stderr) => {
      resolve(
        error === null
          ? undefined
          : `bubblewrap cannot create namespaces here (${stderr.trim() || error.message}); allow unprivileged user namespaces (sysctl kernel.unprivileged_userns_clone=1, user.max_user_namespaces > 0)`,
      );
    });
  });
}
