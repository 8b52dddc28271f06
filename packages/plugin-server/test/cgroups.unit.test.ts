// What the cgroup layer reads from the kernel and writes into it, on both hierarchies. The v1 path
// runs against the real kernel in the sandbox tests; the v2 files are written into a folder laid
// out like a delegated v2 group, so each limit lands in the file the kernel documents for it.
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { cgroupMounts, createGroup, ownGroups } from '../src/sandbox/cgroups.ts';

const made: string[] = [];
afterAll(async () => {
  for (const dir of made) {
    await rm(dir, { recursive: true, force: true });
  }
});

describe('cgroups', () => {
  it('finds v1 controllers and the unified v2 hierarchy in mountinfo, and the own groups', () => {
    const mountinfo = [
      '30 25 0:26 / /sys/fs/cgroup/memory rw,relatime shared:12 - cgroup cgroup rw,memory',
      '31 25 0:27 / /sys/fs/cgroup/cpu,cpuacct rw,relatime - cgroup cgroup rw,cpu,cpuacct',
      '32 25 0:28 / /sys/fs/cgroup/unified rw,relatime - cgroup2 cgroup2 rw,nsdelegate',
      '33 25 0:29 / /proc rw - proc proc rw',
    ].join('\n');
    expect(cgroupMounts(mountinfo)).toEqual([
      {
        version: 1,
        mountPoint: '/sys/fs/cgroup/memory',
        controllers: expect.arrayContaining(['memory']) as string[],
      },
      {
        version: 1,
        mountPoint: '/sys/fs/cgroup/cpu,cpuacct',
        controllers: expect.arrayContaining(['cpu', 'cpuacct']) as string[],
      },
      { version: 2, mountPoint: '/sys/fs/cgroup/unified', controllers: [] },
    ]);
    const own = ownGroups('12:memory:/system.slice/x\n4:cpu,cpuacct:/y\n0::/user.slice/z\n');
    expect(own.get('memory')).toBe('/system.slice/x');
    expect(own.get('cpu')).toBe('/y');
    expect(own.get('')).toBe('/user.slice/z');
  });

  it('on v2, sets memory.max (no swap), cpu.weight, pids.max, then cpu.max after the start, and counts OOM kills from memory.events', async () => {
    const base = await mkdtemp(join(tmpdir(), 'plugboard-cgroup2-'));
    made.push(base);
    const host = {
      version: 2 as const,
      bases: { memory: base, cpu: base, pids: base },
      unusable: {},
    };
    const group = await createGroup(host, 'p.1', {
      memoryBytes: 256 * 1024 * 1024,
      cpus: 0.5,
      processes: 64,
    });
    const dir = join(base, 'p.1');
    const read = (file: string) => readFile(join(dir, file), 'utf8');
    expect(group.procsFiles).toEqual([join(dir, 'cgroup.procs')]);
    expect(await read('memory.max')).toBe(String(256 * 1024 * 1024));
    expect(await read('memory.swap.max')).toBe('0');
    expect(await read('cpu.weight')).toBe('50');
    expect(await read('pids.max')).toBe('64');
    await expect(read('cpu.max')).rejects.toThrow();
    await group.capCpu();
    expect(await read('cpu.max')).toBe('50000 100000');
    await writeFile(join(dir, 'memory.events'), 'low 0\nhigh 0\nmax 3\noom 1\noom_kill 1\n');
    expect(await group.oomKills()).toBe(1);
  });
});
