// CPU time a process has used so far, from /proc/<pid>/stat (Linux): splits a start-up's wall
// time between the Plugin Server and the plugin processes it starts.
import { readFile } from 'node:fs/promises';

/** USER_HZ, the unit of /proc's CPU times: 100 on every mainstream Linux architecture. */
const TICKS_PER_SECOND = 100;

export async function processCpuMs(pid: number): Promise<number> {
  const stat = await readFile(`/proc/${String(pid)}/stat`, 'utf8');
  // The command name (field 2) may hold spaces, so fields are counted after its closing ")";
  // utime and stime are fields 14 and 15 of proc(5), so 11 and 12 from the state (field 3).
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return ((Number(fields[11]) + Number(fields[12])) * 1000) / TICKS_PER_SECOND;
}

/** This process's CPU time since `since` (from process.cpuUsage()), in ms. */
export function ownCpuMs(since: NodeJS.CpuUsage): number {
  const used = process.cpuUsage(since);
  return (used.user + used.system) / 1000;
}
