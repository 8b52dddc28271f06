/**
 * @module Control groups for plugin processes, on cgroup v1 (one hierarchy per controller) and v2
 * (one unified hierarchy): finding the controllers this host offers, one group per launch with
 * its memory, CPU and process limits, and its out-of-memory count once it has exited.
 */
import { appendFile, mkdir, readFile, rmdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';

type Controller = 'memory' | 'cpu' | 'pids';
const CONTROLLERS: readonly Controller[] = ['memory', 'cpu', 'pids'];

export interface CgroupHost {
  readonly version: 1 | 2;
  /** Where this server's plugin groups are made, per controller (v2: the same folder for all). */
  readonly bases: Readonly<Partial<Record<Controller, string>>>;
  /** Controllers the host has but this server cannot use, and why. */
  readonly unusable: Readonly<Partial<Record<Controller, string>>>;
}

export interface GroupLimits {
  readonly memoryBytes: number;
  readonly cpus: number;
  readonly processes: number;
}

export interface PluginCgroup {
  /** The `cgroup.procs` files a launcher writes its own pid to before it runs the plugin. */
  readonly procsFiles: readonly string[];
  /**
   * Caps CPU time at the limit. Until then only the weight applies: a Node start runs many
   * threads at once for a moment, and a quota from the first instant would throttle it.
   */
  capCpu(): Promise<void>;
  /** Processes the kernel's out-of-memory killer ended in this group. */
  oomKills(): Promise<number>;
  /** Removes the group once its processes are gone. */
  remove(): Promise<void>;
}

interface MountedHierarchy {
  readonly version: 1 | 2;
  readonly mountPoint: string;
  readonly controllers: readonly string[];
}

/** Parses /proc/self/mountinfo for cgroup mounts (v1 names its controllers in the super options). */
export function cgroupMounts(mountinfo: string): MountedHierarchy[] {
  const found: MountedHierarchy[] = [];
  for (const line of mountinfo.split('\n')) {
    const [left, right] = line.split(' - ');
    if (left === undefined || right === undefined) {
      continue;
    }
    const mountPoint = left.split(' ')[4];
    const [fsType, , superOptions = ''] = right.split(' ');
    if (mountPoint === undefined) {
      continue;
    }
    if (fsType === 'cgroup2') {
      found.push({ version: 2, mountPoint, controllers: [] });
    } else if (fsType === 'cgroup') {
      found.push({ version: 1, mountPoint, controllers: superOptions.split(',') });
    }
  }
  return found;
}

/** This process's group per v1 controller, and its v2 group under the key "". */
export function ownGroups(procCgroup: string): Map<string, string> {
  const groups = new Map<string, string>();
  for (const line of procCgroup.split('\n')) {
    const match = /^\d+:([^:]*):(.*)$/.exec(line);
    if (match === null) {
      continue;
    }
    const [, names = '', path = '/'] = match;
    for (const name of names === '' ? [''] : names.split(',')) {
      groups.set(name, path);
    }
  }
  return groups;
}

/**
 * Finds where this server can make plugin groups. v1 wins when it carries a controller (hybrid
 * hosts mount an empty v2 beside it); on v2 the server moves itself into a leaf of its own group
 * first, since a v2 group that holds processes cannot hand controllers to children.
 */
export async function detectCgroups(tag: string): Promise<CgroupHost | undefined> {
  const [mountinfo, procCgroup] = await Promise.all([
    readFile('/proc/self/mountinfo', 'utf8').catch(() => ''),
    readFile('/proc/self/cgroup', 'utf8').catch(() => ''),
  ]);
  const mounts = cgroupMounts(mountinfo);
  const own = ownGroups(procCgroup);
  const v1 = mounts.filter((m) => m.version === 1);
  if (CONTROLLERS.some((c) => v1.some((m) => m.controllers.includes(c)))) {
    const bases: Partial<Record<Controller, string>> = {};
    const unusable: Partial<Record<Controller, string>> = {};
    for (const controller of CONTROLLERS) {
      const mount = v1.find((m) => m.controllers.includes(controller));
      if (mount === undefined) {
        unusable[controller] = `no cgroup v1 ${controller} controller is mounted`;
        continue;
      }
      const base = join(mount.mountPoint, own.get(controller) ?? '/', `plugboard-${tag}`);
      try {
        await mkdir(base, { recursive: true });
        bases[controller] = base;
      } catch (error) {
        unusable[controller] = `cannot create ${base}: ${(error as Error).message}`;
      }
    }
    return { version: 1, bases, unusable };
  }
  const unified = mounts.find((m) => m.version === 2);
  if (unified === undefined) {
    return undefined;
  }
  return detectUnified(join(unified.mountPoint, own.get('') ?? '/'), tag);
}

async function detectUnified(ownDir: string, tag: string): Promise<CgroupHost> {
  const unusable: Partial<Record<Controller, string>> = {};
  const offered = (await readFile(join(ownDir, 'cgroup.controllers'), 'utf8').catch(() => ''))
    .trim()
    .split(/\s+/);
  const wanted = CONTROLLERS.filter((c) => {
    if (!offered.includes(c)) {
      unusable[c] = `the cgroup v2 controller ${c} is not delegated to ${ownDir}`;
    }
    return offered.includes(c);
  });
  if (wanted.length === 0) {
    return { version: 2, bases: {}, unusable };
  }
  const base = join(ownDir, `plugboard-${tag}`);
  const enable = wanted.map((c) => `+${c}`).join(' ');
  try {
    const leaf = join(ownDir, 'plugboard-server');
    await mkdir(leaf, { recursive: true });
    await writeFile(join(leaf, 'cgroup.procs'), String(process.pid));
    await writeFile(join(ownDir, 'cgroup.subtree_control'), enable);
    await mkdir(base, { recursive: true });
    await writeFile(join(base, 'cgroup.subtree_control'), enable);
  } catch (error) {
    for (const c of wanted) {
      unusable[c] =
        `cannot delegate cgroup v2 controllers under ${ownDir}: ${(error as Error).message}`;
    }
    return { version: 2, bases: {}, unusable };
  }
  return {
    version: 2,
    bases: Object.fromEntries(wanted.map((c) => [c, base])),
    unusable,
  };
}

/** Makes the group of one launch and sets its limits; the name is unique per launch. */
export async function createGroup(
  host: CgroupHost,
  name: string,
  limits: GroupLimits,
): Promise<PluginCgroup> {
  const dirs = new Map<Controller, string>();
  for (const controller of CONTROLLERS) {
    const base = host.bases[controller];
    if (base !== undefined) {
      dirs.set(controller, join(base, name));
    }
  }
  const unique = [...new Set(dirs.values())];
  await Promise.all(unique.map((dir) => mkdir(dir, { recursive: true })));
  const set = (controller: Controller, file: string, value: string): Promise<void> => {
    const dir = dirs.get(controller);
    return dir === undefined ? Promise.resolve() : writeFile(join(dir, file), value);
  };
  const periodUs = 100_000;
  const quotaUs = String(Math.max(1_000, Math.round(limits.cpus * periodUs)));
  if (host.version === 1) {
    await set('memory', 'memory.limit_in_bytes', String(limits.memoryBytes));
    // Swap would let a plugin past its limit by paging out; memsw exists only with swap accounting.
    await set('memory', 'memory.memsw.limit_in_bytes', String(limits.memoryBytes)).catch(
      () => undefined,
    );
    await set('cpu', 'cpu.cfs_period_us', String(periodUs));
    await set('cpu', 'cpu.shares', String(Math.max(2, Math.round(limits.cpus * 1024))));
  } else {
    await set('memory', 'memory.max', String(limits.memoryBytes));
    await set('memory', 'memory.swap.max', '0').catch(() => undefined);
    await set(
      'cpu',
      'cpu.weight',
      String(Math.min(10_000, Math.max(1, Math.round(limits.cpus * 100)))),
    );
  }
  await set('pids', 'pids.max', String(limits.processes));
  const memoryDir = dirs.get('memory');
  return {
    procsFiles: unique.map((dir) => join(dir, 'cgroup.procs')),
    capCpu: () =>
      host.version === 1
        ? set('cpu', 'cpu.cfs_quota_us', quotaUs)
        : set('cpu', 'cpu.max', `${quotaUs} ${String(periodUs)}`),
    async oomKills() {
      if (memoryDir === undefined) {
        return 0;
      }
      const file = host.version === 1 ? 'memory.oom_control' : 'memory.events';
      const text = await readFile(join(memoryDir, file), 'utf8').catch(() => '');
      return Number(/^oom_kill (\d+)$/m.exec(text)?.[1] ?? 0);
    },
    async remove() {
      for (const dir of unique) {
        await removeWhenEmpty(dir);
      }
    },
  };
}

/** rmdir fails with EBUSY while an exited process is still being reaped; a few tries cover that. */
async function removeWhenEmpty(dir: string): Promise<void> {
  for (let attempt = 0; attempt < 20; attempt += 1) {
    try {
      await rmdir(dir);
      return;
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      if (code === 'ENOENT') {
        return;
      }
      if (code !== 'EBUSY') {
        throw error;
      }
      await new Promise((resolve) => setTimeout(resolve, 25));
    }
  }
  // Still busy: some process of the plugin outlived it; ending them lets the group go.
  await appendFile(join(dir, 'cgroup.kill'), '1').catch(() => undefined);
}
