/**
 * @module The data folder's lock: one `plugboard start` per folder, since the embedded database
 * must never be opened by two processes. The lock file holds the owner's pid; a lock whose
 * process is gone (a crash, a kill -9) is taken over.
 */
import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { CliError, type CliErrorCode } from '../cli-error.ts';

export interface DataDirLock {
  release(): Promise<void>;
}

export async function lockDataDir(
  dataDir: string,
  busy = { code: 'CLI_START_FAILED' as CliErrorCode, fix: 'or give this one its own --data-dir' },
): Promise<DataDirLock> {
  await mkdir(dataDir, { recursive: true, mode: 0o700 });
  const file = join(dataDir, 'start.lock');
  for (let attempt = 0; attempt < 2; attempt += 1) {
    try {
      await writeFile(file, String(process.pid), { flag: 'wx', mode: 0o600 });
      return { release: () => rm(file, { force: true }) };
    } catch (error) {
      if ((error as { code?: unknown }).code !== 'EEXIST') {
        throw error;
      }
    }
    const owner = Number((await readFile(file, 'utf8').catch(() => '')).trim());
    if (Number.isInteger(owner) && owner > 0 && isAlive(owner)) {
      throw new CliError(
        busy.code,
        `${dataDir} is in use by another plugboard start (pid ${String(owner)}); stop it first, ${busy.fix}`,
      );
    }
    await rm(file, { force: true });
  }
  throw new CliError(busy.code, `cannot lock ${dataDir}; is another start racing this one?`);
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
