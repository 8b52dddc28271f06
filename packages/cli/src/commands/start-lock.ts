/**
 * @module The data folder's lock: one `plugboard start` per folder, since the embedded database
 * must never be opened by two processes. The lock file holds the owner's pid; a lock whose
 * process is gone (a crash, a kill -9) is taken over.
 */
import { mkdir } from 'node:fs/promises';
import { takePidLock } from '@plugboard/service-kit';
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
  const outcome = await takePidLock(join(dataDir, 'start.lock'));
  if (outcome.taken) {
    return { release: outcome.release };
  }
  throw new CliError(
    busy.code,
    outcome.pid === undefined
      ? `cannot lock ${dataDir}; is another start racing this one?`
      : `${dataDir} is in use by another plugboard start (pid ${String(outcome.pid)}); stop it first, ${busy.fix}`,
  );
}
