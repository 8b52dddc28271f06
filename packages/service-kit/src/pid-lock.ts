/**
 * @module A lock file holding its owner's pid, for what one process at a time may open (a data
 * folder, an embedded database). A lock whose process is gone (a crash, a kill -9) is taken over;
 * the caller words the refusal, since only it knows what to tell the operator.
 */
import { readFile, rm, writeFile } from 'node:fs/promises';

export type PidLockOutcome =
  | { readonly taken: true; readonly release: () => Promise<void> }
  /** Held by a live process; `pid` is undefined when another process took it at the same moment. */
  | { readonly taken: false; readonly pid: number | undefined };

export async function takePidLock(file: string): Promise<PidLockOutcome> {
  for (let attempt = 0; attempt < 2; attempt += 1) {
    try {
      await writeFile(file, String(process.pid), { flag: 'wx', mode: 0o600 });
      return { taken: true, release: () => rm(file, { force: true }) };
    } catch (error) {
      if ((error as { code?: unknown }).code !== 'EEXIST') {
        throw error;
      }
    }
    const pid = Number((await readFile(file, 'utf8').catch(() => '')).trim());
    if (Number.isInteger(pid) && pid > 0 && isAlive(pid)) {
      return { taken: false, pid };
    }
    await rm(file, { force: true });
  }
  return { taken: false, pid: undefined };
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    // EPERM: it exists, run by someone else.
    return (error as { code?: unknown }).code === 'EPERM';
  }
}
