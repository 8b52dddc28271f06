/**
 * @module `plugboard plugins update|activate|versions|rollback`: versions side by side. An update
 * stages the new version beside the current one, shows what making it current would break, and
 * makes it current only when nothing breaks (or `--yes`); a rollback makes the previous version
 * current again.
 */
import type { PluginRecordView, UpdateImpact } from '@plugboard/platform-api';
import type { OperatorContext } from './context.ts';
import { OperatorError } from './errors.ts';
import { json } from './format.ts';
import { describePlugin, logTailLines } from './plugins.ts';
import { sourceKind, sourceOf, type SourceFlags } from './plugin-source.ts';
import {
  activationFailure,
  currentVersion,
  failedSince,
  installEnded,
  rollbackTarget,
  stagedVersion,
} from './plugin-version-picks.ts';
import { formatImpact, formatVersions } from './plugin-versions-text.ts';
import { timeoutMs, waitForPlugin } from './plugin-wait.ts';

type PluginView = PluginRecordView;

export interface UpdateFlags extends SourceFlags {
  readonly version?: string | undefined;
  readonly yes?: boolean | undefined;
  readonly wait: boolean;
  readonly timeout?: string | undefined;
}

export async function updatePlugin(
  ctx: OperatorContext,
  id: string,
  flags: UpdateFlags,
): Promise<void> {
  const kind = sourceKind(flags);
  const timeout = timeoutMs(flags.timeout ?? '300');
  const before = await ctx.client.call('getPlugin', { params: { id } });
  const wanted = flags.version;
  let record: PluginView = before;
  if (kind === undefined && wanted !== undefined && wanted === currentVersion(before.versions)) {
    // Asked for the version it runs: nothing to install, nothing to move.
    ctx.output.result(ctx.json ? json({ plugin: before }) : `${id}: ${wanted} is already current`);
    return;
  }
  // Run again (with --yes, say) on a version already staged: nothing to install again.
  const staged =
    kind === undefined && wanted !== undefined
      ? stagedVersion([], before.versions, wanted)
      : undefined;
  if (staged === undefined) {
    record = await ctx.client.call('updatePlugin', {
      params: { id },
      body: {
        activate: false,
        ...(kind === undefined ? {} : { source: await sourceOf(ctx, kind, flags) }),
        ...(wanted === undefined ? {} : { version: wanted }),
      },
    });
    if (!flags.wait) {
      ctx.output.result(ctx.json ? json(record) : `${id}: staging ${wanted ?? 'the new version'}`);
      ctx.output.info(activateHint(id));
      return;
    }
    ctx.output.info(
      `Staging ${wanted ?? 'the new version'} of ${id} beside ${currentVersion(before.versions) ?? 'no current version'}…`,
    );
    const start = record;
    record = await waitForPlugin(ctx, record, {
      waitingFor: `${wanted ?? 'a new version'} to be staged`,
      until: (now) =>
        stagedVersion(before.versions, now.versions, wanted) !== undefined ||
        failedSince(start, now) ||
        installEnded(start, now),
      timeoutMs: timeout,
    });
  } else if (!flags.wait) {
    ctx.output.result(ctx.json ? json(record) : `${id}: ${staged} is staged`);
    ctx.output.info(activateHint(id));
    return;
  } else {
    ctx.output.info(`${id} ${staged} is already staged.`);
  }
  const version = stagedVersion(
    staged === undefined ? before.versions : [],
    record.versions,
    wanted,
  );
  if (version === undefined) {
    throw new OperatorError(
      'CLI_PLUGIN_FAILED',
      `plugin "${id}" could not stage ${wanted ?? 'the new version'}: ${record.reason ?? 'no reason given'}`,
      { lines: logTailLines(record) },
    );
  }
  await checkAndActivate(ctx, record, {
    version,
    yes: flags.yes === true,
    timeoutMs: timeout,
  });
}

function activateHint(id: string): string {
  return `Once it is staged, \`plugboard plugins versions ${id}\` lists it; \`plugboard plugins activate ${id} <version>\` shows what it would break and makes it current.`;
}

export async function activatePlugin(
  ctx: OperatorContext,
  id: string,
  flags: { version: string; yes?: boolean | undefined; timeout?: string | undefined },
): Promise<void> {
  const timeout = timeoutMs(flags.timeout ?? '300');
  const record = await ctx.client.call('getPlugin', { params: { id } });
  await checkAndActivate(ctx, record, {
    version: flags.version,
    yes: flags.yes === true,
    timeoutMs: timeout,
  });
}

/**
 * Prints what making `version` current would break; refuses when workflow nodes would break
 * (unless `yes`), else makes it current and waits until it runs as the current version.
 */
async function checkAndActivate(
  ctx: OperatorContext,
  record: PluginView,
  goal: { version: string; yes: boolean; timeoutMs: number },
): Promise<void> {
  const { id } = record;
  const { version } = goal;
  const impact = await ctx.client.call('updateImpact', { params: { id }, query: { version } });
  const print = (plugin: PluginView) => {
    if (ctx.json) {
      ctx.output.result(json({ impact, plugin }));
    }
  };
  if (!ctx.json) {
    ctx.output.result(formatImpact(impact));
  }
  if (impact.breaks > 0 && !goal.yes) {
    print(record);
    throw breaksError(impact);
  }
  const from = currentVersion(record.versions);
  ctx.output.info(`Making ${id} ${version} current${from === undefined ? '' : ` (was ${from})`}…`);
  const accepted = await ctx.client.call('activateVersion', { params: { id }, body: { version } });
  const final = await waitForPlugin(ctx, accepted, {
    waitingFor: `${version} to be current and running`,
    until: (now) =>
      settledOn(now, version) || activationFailure(record, now, version) !== undefined,
    timeoutMs: goal.timeoutMs,
  });
  print(final);
  if (!settledOn(final, version)) {
    const failure =
      activationFailure(record, final, version) ?? `${version} did not become current`;
    const serving = currentVersion(final.versions);
    throw new OperatorError(
      'CLI_PLUGIN_FAILED',
      `${failure}${serving === undefined ? '' : `; ${serving} is current`}`,
      { lines: logTailLines(final) },
    );
  }
  if (!ctx.json) {
    ctx.output.result(describePlugin(final));
  }
  if (final.status === 'missing_config') {
    ctx.output.info(
      `It needs configuration${final.reason === undefined ? '' : ` (${final.reason})`}: plugboard plugins config ${id} key=value …`,
    );
  }
}

/** Current, and its process is up or waits only for configuration. */
function settledOn(record: PluginView, version: string): boolean {
  return (
    (record.status === 'running' || record.status === 'missing_config') &&
    currentVersion(record.versions) === version
  );
}

function breaksError(impact: UpdateImpact): OperatorError {
  const { breaks, pluginId, toVersion } = impact;
  return new OperatorError(
    'CLI_UPDATE_BREAKS',
    `${String(breaks)} workflow ${breaks === 1 ? 'node' : 'nodes'} would break on ${pluginId} ${toVersion}: fix them or rerun with --yes; the new version stays installed as staged`,
    {
      lines: [
        `  to make it current anyway: plugboard plugins activate ${pluginId} ${toVersion} --yes`,
      ],
    },
  );
}

export async function listVersions(ctx: OperatorContext, id: string): Promise<void> {
  const record = await ctx.client.call('getPlugin', { params: { id } });
  ctx.output.result(ctx.json ? json({ versions: record.versions }) : formatVersions(record));
}

export async function rollbackPlugin(
  ctx: OperatorContext,
  id: string,
  flags: { to?: string | undefined; timeout?: string | undefined },
): Promise<void> {
  const timeout = timeoutMs(flags.timeout ?? '300');
  const before = await ctx.client.call('getPlugin', { params: { id } });
  const from = currentVersion(before.versions);
  const target = flags.to ?? rollbackTarget(before.versions);
  const accepted = await ctx.client.call('rollbackPlugin', {
    params: { id },
    body: flags.to === undefined ? {} : { to: flags.to },
  });
  ctx.output.info(
    `Rolling ${id} back${from === undefined ? '' : ` from ${from}`} to ${target ?? 'the previous version'}…`,
  );
  // Without a target known here, any other current version is the Plugin Server's choice.
  // Arrived also when it runs waiting for a configuration it refuses (its reason says so).
  const arrived = (now: PluginView) => {
    const current = currentVersion(now.versions);
    return (
      (now.status === 'running' || now.status === 'missing_config') &&
      current !== undefined &&
      (target === undefined ? current !== from : current === target)
    );
  };
  // A rollback the Plugin Server could not make leaves the version serving, its reason saying why.
  const refused = (now: PluginView) =>
    currentVersion(now.versions) === from && now.reason?.startsWith('could not roll back') === true;
  const final = await waitForPlugin(ctx, accepted, {
    waitingFor: `${target ?? 'the previous version'} to be current and running`,
    until: (now) => arrived(now) || refused(now) || failedSince(before, now),
    timeoutMs: timeout,
  });
  if (ctx.json) {
    ctx.output.result(json(final));
  }
  if (!arrived(final)) {
    throw new OperatorError(
      'CLI_PLUGIN_FAILED',
      `plugin "${id}" failed while rolling back: ${final.reason ?? 'no reason given'}`,
      { lines: logTailLines(final) },
    );
  }
  if (!ctx.json) {
    const now = currentVersion(final.versions) ?? '?';
    ctx.output.result(`${id}: ${from ?? '?'} → ${now}, ${final.status}`);
    if (final.status === 'missing_config') {
      ctx.output.info(`${now} waits for a configuration it takes: ${final.reason ?? ''}`);
    }
    const stays = final.versions.find((v) => v.version === from)?.state;
    if (from !== undefined && stays === 'rolled_back') {
      ctx.output.info(
        `${from} is rolled back: no node runs on it until it is made current again (plugboard plugins activate ${id} ${from}).`,
      );
    }
  }
}
