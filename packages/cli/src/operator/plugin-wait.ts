/**
 * @module Waiting for a plugin record to reach a state (a status, a version staged or current):
 * polls the record and tells each change of its status and of its versions on stderr, until the
 * caller's condition holds or `--timeout` runs out.
 */
import type { PluginRecordView } from '@plugboard/platform-api';
import type { OperatorContext } from './context.ts';
import { OperatorError } from './errors.ts';
import { sleep } from './format.ts';

const POLL_MS = 400;

export interface WaitGoal {
  /** Said when time runs out: "running or error", "version 2.0.0 to be staged". */
  readonly waitingFor: string;
  /** True once waiting is over, the goal reached or the record saying it never will be. */
  readonly until: (record: PluginRecordView) => boolean;
  readonly timeoutMs: number;
}

/** Polls the record, printing each status or version change on stderr, until `goal.until`. */
export async function waitForPlugin(
  ctx: OperatorContext,
  start: PluginRecordView,
  goal: WaitGoal,
): Promise<PluginRecordView> {
  const deadline = Date.now() + goal.timeoutMs;
  let record = start;
  let shownStatus = statusLine(start);
  let shownVersions = versionLines(start);
  while (!goal.until(record)) {
    if (Date.now() >= deadline) {
      throw new OperatorError(
        'CLI_TIMEOUT',
        `plugin "${record.id}" is still ${record.status} after ${String(goal.timeoutMs / 1000)} s (waiting for ${goal.waitingFor})`,
        {
          lines: [
            `  follow it with \`plugboard plugins list\`, \`plugboard plugins versions ${record.id}\` and \`plugboard plugins logs ${record.id}\`; --timeout <seconds> waits longer`,
          ],
        },
      );
    }
    await sleep(POLL_MS);
    record = await ctx.client.call('getPlugin', { params: { id: record.id } });
    const status = statusLine(record);
    if (status !== shownStatus) {
      shownStatus = status;
      ctx.output.info(`  ${status}`);
    }
    const versions = versionLines(record);
    for (const line of versions) {
      if (!shownVersions.includes(line)) {
        ctx.output.info(`  ${line}`);
      }
    }
    shownVersions = versions;
  }
  return record;
}

function statusLine(record: PluginRecordView): string {
  return `${record.id}: ${record.status}${record.reason === undefined ? '' : ` (${record.reason})`}`;
}

function versionLines(record: PluginRecordView): string[] {
  return record.versions.map(
    (v) =>
      `${record.id} ${v.version}: ${v.state}${v.running ? ', running' : ''}${v.reason === undefined ? '' : ` (${v.reason})`}`,
  );
}

/** `--timeout <seconds>` in milliseconds. */
export function timeoutMs(text: string): number {
  const value = Number(text);
  if (!Number.isFinite(value) || value <= 0) {
    throw new OperatorError('CLI_USAGE', `--timeout takes a number of seconds, not "${text}"`);
  }
  return value * 1000;
}
