/**
 * @module `plugboard secrets rotate`: re-encrypts every sealed value under the platform's secret
 * key, showing progress, then reports how many were re-encrypted and whether any remain under an
 * old key. An explicit command rather than a step of every start: it runs once, when the operator
 * has given every platform and worker the new key (a process still on the old key alone could
 * not read what it re-encrypts), its report and exit code reach the operator instead of a log,
 * and a start never waits on a walk over every row.
 *
 * Keys and database come from the platform's environment (PLUGBOARD_SECRET_KEY,
 * PLUGBOARD_SECRET_KEY_PREVIOUS, PLUGBOARD_DATABASE_URL or the data folder), or with
 * `--start-dir` from the data folder of `plugboard start`, whose keys.json it can also give a new
 * key (`--new-key`) and, once nothing is left under them, drop the previous ones.
 */
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import {
  DEFAULT_ROTATION_BATCH,
  loadSecretRotationConfig,
  PlatformError,
  rotateSecretKey,
  type RotationReport,
  type SecretRotationConfigInput,
} from '@plugboard/platform';
import { CliError } from '../cli-error.ts';
import type { Output } from '../output.ts';
import { stopSignal } from '../stop-signal.ts';
import { lockDataDir, type DataDirLock } from './start-lock.ts';
import { newSecretKey, readKeys, writeKeys } from './start-keys.ts';

export interface RotateFlags {
  readonly dataDir?: string;
  readonly databaseUrl?: string;
  readonly batchSize?: string;
  readonly startDir?: string;
  readonly newKey?: boolean;
  readonly dropPrevious?: boolean;
}

interface Deps {
  readonly env: Readonly<Record<string, string | undefined>>;
  readonly output: Output;
  readonly cwd: string;
}

const MAX_BATCH = 10_000;

export async function runSecretsRotate(flags: RotateFlags, deps: Deps): Promise<number> {
  const { output } = deps;
  const batchSize = parseBatchSize(flags.batchSize);
  if (flags.startDir === undefined && (flags.newKey === true || flags.dropPrevious === true)) {
    throw new CliError(
      'CLI_USAGE',
      '--new-key and --drop-previous work on the keys of `plugboard start` (--start-dir); elsewhere set PLUGBOARD_SECRET_KEY to the new key and PLUGBOARD_SECRET_KEY_PREVIOUS to the old one',
    );
  }
  const start = flags.startDir === undefined ? undefined : await openStartDir(flags, deps);
  try {
    const config = loadSecretRotationConfig(deps.env, {
      ...(flags.dataDir === undefined ? {} : { dataDir: resolve(deps.cwd, flags.dataDir) }),
      ...(flags.databaseUrl === undefined ? {} : { databaseUrl: flags.databaseUrl }),
      ...start?.overrides,
    });
    const keysAt = start === undefined ? 'PLUGBOARD_SECRET_KEY_PREVIOUS' : start.previousKeysAt;
    const stop = new AbortController();
    void stopSignal(output).then((signal) => {
      output.info(`received ${signal}; stopping after the batch in progress`);
      stop.abort(signal);
    });
    const report = await rotateSecretKey(config, {
      batchSize,
      signal: stop.signal,
      onProgress: (p) => {
        output.info(
          `  ${p.what} (${p.table}.${p.column}): ${String(p.done)} of ${String(p.total)}`,
        );
      },
    });
    output.result(describeReport(report, keysAt));
    endOf(report, { keysAt, stoppedBy: stop.signal.reason as string | undefined });
    if (start !== undefined && flags.dropPrevious === true) {
      await start.dropPrevious();
      output.info(`Dropped the previous keys from ${start.previousKeysAt}`);
    }
    return 0;
  } finally {
    await start?.lock.release();
  }
}

interface StartDir {
  readonly lock: DataDirLock;
  readonly overrides: Partial<SecretRotationConfigInput>;
  readonly previousKeysAt: string;
  dropPrevious(): Promise<void>;
}

/** Locks a `plugboard start` folder (it must not be running) and takes its keys, new or not. */
async function openStartDir(flags: RotateFlags, deps: Deps): Promise<StartDir> {
  const dir = resolve(deps.cwd, flags.startDir ?? '.plugboard');
  if (!existsSync(join(dir, 'keys.json'))) {
    throw new CliError(
      'CLI_ROTATION_FAILED',
      `${dir} has no keys.json: it is not the data folder of a \`plugboard start\` (give --start-dir the folder npm start uses, .plugboard by default)`,
    );
  }
  const lock = await lockDataDir(dir, {
    code: 'CLI_ROTATION_FAILED',
    fix: 'then run this again (its embedded database is opened by one process at a time)',
  });
  try {
    let keys = await readKeys(dir);
    if (keys === undefined) {
      throw new CliError('CLI_ROTATION_FAILED', `${dir}/keys.json went away; restore it`);
    }
    if (flags.newKey === true) {
      // Written before any value is touched: a crash from here on leaves both keys known.
      keys = {
        ...keys,
        secretKey: newSecretKey(),
        previousSecretKeys: [keys.secretKey, ...keys.previousSecretKeys],
      };
      await writeKeys(dir, keys);
      deps.output.info(
        `A new secret key is in ${dir}/keys.json; the old one stays in previousSecretKeys`,
      );
    }
    const current = keys;
    return {
      lock,
      overrides: {
        dataDir: join(dir, 'platform'),
        secretKey: current.secretKey,
        secretKeyPrevious: current.previousSecretKeys,
      },
      previousKeysAt: `previousSecretKeys in ${dir}/keys.json`,
      dropPrevious: () => writeKeys(dir, { ...current, previousSecretKeys: [] }),
    };
  } catch (error) {
    await lock.release();
    throw error;
  }
}

function parseBatchSize(value: string | undefined): number {
  if (value === undefined) {
    return DEFAULT_ROTATION_BATCH;
  }
  const size = Number(value);
  if (!Number.isInteger(size) || size < 1 || size > MAX_BATCH) {
    throw new CliError(
      'CLI_USAGE',
      `--batch-size must be a whole number from 1 to ${String(MAX_BATCH)}, not "${value}"`,
    );
  }
  return size;
}

function describeReport(report: RotationReport, keysAt: string): string {
  const width = Math.max(...report.columns.map((c) => `${c.table}.${c.column}`.length));
  const lines = [
    `Re-encrypted ${plural(report.reencrypted, 'value')} under key ${report.keyId} (PLUGBOARD_SECRET_KEY)${
      report.previousKeyIds.length === 0
        ? ''
        : `; previous keys: ${report.previousKeyIds.join(', ')}`
    }`,
    ...report.columns.map(
      (c) =>
        `  ${`${c.table}.${c.column}`.padEnd(width)}  ${c.what}: ${plural(c.values, 'value')}, ${String(c.reencrypted)} re-encrypted, ${String(c.remaining)} under an old key`,
    ),
  ];
  const left = Object.entries(report.remainingByKey);
  if (left.length > 0) {
    lines.push(
      `Still under an old key: ${left.map(([key, n]) => `${String(n)} under ${key === 'v1' ? 'a key named by none (sealed before key ids)' : `key ${key}`}`).join(', ')}`,
    );
  }
  if (report.unreadable.length > 0) {
    lines.push(
      `${plural(report.unreadable.length, 'value')} no known key opens, left as they were:`,
    );
    for (const value of report.unreadable) {
      lines.push(`  ${value.what} of ${value.record}: ${problemOf(value)}`);
    }
  }
  if (report.remaining === 0 && !report.interrupted) {
    lines.push(
      report.previousKeyIds.length === 0
        ? 'Every value is under the current key.'
        : `Nothing is left under an old key: the keys in ${keysAt} can be removed (keep them with the backups taken before now, which need them).`,
    );
  }
  return lines.join('\n');
}

/** Throws what is left to do, if anything: values no key opens first, then a run to resume. */
function endOf(report: RotationReport, context: { keysAt: string; stoppedBy: string | undefined }) {
  const unreadable = report.unreadable.length;
  if (unreadable > 0) {
    throw new PlatformError(
      'PLAT_SECRET_UNREADABLE',
      `${plural(unreadable, 'stored value')} ${unreadable === 1 ? 'opens' : 'open'} under no known key (listed above; the platform answers PLAT_SECRET_UNREADABLE wherever it needs them): add the key they were sealed with to ${context.keysAt} and run this again, or store each again (plugboard plugins config <id>, a plugin update with its git token, PUT /api/credentials/{id})`,
    );
  }
  if (report.interrupted) {
    throw new CliError(
      'CLI_ROTATION_INCOMPLETE',
      `stopped by ${context.stoppedBy ?? 'a signal'} with ${plural(report.remaining, 'value')} still under an old key; nothing is lost: run it again to go on`,
    );
  }
  if (report.remaining > 0) {
    throw new CliError(
      'CLI_ROTATION_INCOMPLETE',
      `${plural(report.remaining, 'value')} ${report.remaining === 1 ? 'was' : 'were'} sealed under an old key while this ran: a platform or worker still runs with the old PLUGBOARD_SECRET_KEY; restart each with the new one, then run this again`,
    );
  }
}

function problemOf(value: RotationReport['unreadable'][number]): string {
  switch (value.problem) {
    case 'unknown-key':
      return value.keyId === undefined
        ? 'sealed before key ids, under none of the known keys'
        : `sealed under key ${value.keyId}, not a known one`;
    case 'altered':
      return `does not decrypt under its key ${value.keyId ?? ''}: altered, or copied from another record`;
    case 'unknown-format':
      return 'not a sealed value';
  }
}

function plural(n: number, noun: string): string {
  return `${String(n)} ${noun}${n === 1 ? '' : 's'}`;
}
