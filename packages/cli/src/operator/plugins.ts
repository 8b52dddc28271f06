/**
 * @module `plugboard plugins …`: list, install (and wait for the plugin to run), uninstall,
 * restart, configure and read logs, through /api/plugins.
 */
import { describeRequests, SETTLED_STATUSES } from '@plugboard/protocol';
import { describeSandbox } from '@plugboard/server-api';
import type { ApiBody, PluginRecordView } from '@plugboard/platform-api';
import type { OperatorContext } from './context.ts';
import { OperatorError } from './errors.ts';
import { formatPairs, formatTable, json, parsePairs } from './format.ts';
import { grantFromFlags } from './plugin-grants.ts';
import { sourceKind, sourceOf, type SourceFlags } from './plugin-source.ts';
import { timeoutMs, waitForPlugin } from './plugin-wait.ts';

type PluginView = PluginRecordView;

export async function listPlugins(ctx: OperatorContext): Promise<void> {
  const answer = await ctx.client.call('listPlugins');
  if (ctx.json) {
    ctx.output.result(json(answer));
    return;
  }
  if (answer.plugins.length === 0) {
    ctx.output.result('No plugins installed.');
    return;
  }
  ctx.output.result(
    formatTable(
      [
        { header: 'ID' },
        { header: 'STATUS' },
        { header: 'VERSION' },
        { header: 'SOURCE' },
        { header: 'NODES', align: 'right' },
        { header: 'RESTARTS', align: 'right' },
        { header: 'REASON', max: 60 },
      ],
      answer.plugins.map((p) => [
        p.id,
        p.status,
        p.version ?? '-',
        typeof p.source['type'] === 'string' ? p.source['type'] : '?',
        String(p.nodes.length),
        String(p.restarts),
        p.reason ?? '',
      ]),
    ),
  );
}

export interface InstallFlags extends SourceFlags {
  readonly name?: string | undefined;
  readonly id?: string | undefined;
  readonly version?: string | undefined;
  readonly config?: readonly string[] | undefined;
  readonly network?: boolean | undefined;
  readonly hosts?: string | undefined;
  readonly childProcesses?: boolean | undefined;
  readonly wait: boolean;
  readonly timeout?: string | undefined;
}

export async function installPlugin(ctx: OperatorContext, flags: InstallFlags): Promise<void> {
  const kind = sourceKind(flags);
  const timeout = timeoutMs(flags.timeout ?? '300');
  const config = flags.config === undefined ? undefined : parsePairs(flags.config, '--config');

  let body: ApiBody<'installPlugin'>;
  if (kind === undefined) {
    if (flags.name === undefined) {
      throw new OperatorError(
        'CLI_USAGE',
        'name the marketplace plugin to install, or give --git <url>, --file <archive.tar.gz> or --local <path> with --id <id>',
      );
    }
    body = {
      ...(flags.id === undefined ? {} : { id: flags.id }),
      source: {
        type: 'marketplace',
        name: flags.name,
        ...(flags.version === undefined ? {} : { version: flags.version }),
      },
    };
  } else {
    if (flags.id !== undefined && flags.name !== undefined && flags.id !== flags.name) {
      throw new OperatorError(
        'CLI_USAGE',
        `the plugin id is given twice, as "${flags.name}" and --id "${flags.id}"`,
      );
    }
    const id = flags.id ?? flags.name;
    if (id === undefined) {
      throw new OperatorError(
        'CLI_USAGE',
        `--${kind} needs --id <plugin id> (the id in the plugin's manifest)`,
      );
    }
    body = {
      id,
      source: await sourceOf(ctx, kind, flags),
      ...(flags.version === undefined ? {} : { version: flags.version }),
    };
  }
  const grant = grantFromFlags(flags);
  body = {
    ...body,
    ...(config === undefined ? {} : { config }),
    ...(grant === undefined ? {} : { grant }),
  };

  const record = await ctx.client.call('installPlugin', { body });
  if (!flags.wait) {
    report(ctx, record, `${record.id}: ${record.status}`);
    return;
  }
  ctx.output.info(`Installing plugin ${record.id} (${record.status})…`);
  const final = await waitForStatus(ctx, record, { done: SETTLED_STATUSES, timeoutMs: timeout });
  if (ctx.json) {
    ctx.output.result(json(final));
  }
  if (final.status === 'error' || final.status === 'uninstalled') {
    throw new OperatorError(
      'CLI_PLUGIN_FAILED',
      `plugin "${final.id}" ${final.status === 'error' ? 'failed' : 'was dropped'}: ${final.reason ?? 'no reason given'}`,
      { lines: logTailLines(final) },
    );
  }
  if (!ctx.json) {
    ctx.output.result(describePlugin(final));
  }
  if (final.status === 'missing_config') {
    ctx.output.info(
      `It needs configuration${final.reason === undefined ? '' : ` (${final.reason})`}: plugboard plugins config ${final.id} key=value …`,
    );
  }
}

export async function uninstallPlugin(
  ctx: OperatorContext,
  id: string,
  flags: { wait: boolean; timeout?: string | undefined },
): Promise<void> {
  const timeout = timeoutMs(flags.timeout ?? '300');
  const record = await ctx.client.call('uninstallPlugin', { params: { id } });
  if (!flags.wait || record.status === 'uninstalled') {
    report(ctx, record, `${record.id}: ${record.status}`);
    return;
  }
  ctx.output.info(`Uninstalling plugin ${record.id} (${record.status})…`);
  const final = await waitForStatus(ctx, record, { done: ['uninstalled'], timeoutMs: timeout });
  report(ctx, final, `Uninstalled ${final.id}`);
}

export async function restartPlugin(ctx: OperatorContext, id: string): Promise<void> {
  const record = await ctx.client.call('restartPlugin', { params: { id } });
  report(ctx, record, `${record.id}: ${record.status}`);
}

export async function configurePlugin(
  ctx: OperatorContext,
  id: string,
  pairs: readonly string[],
): Promise<void> {
  const current = await ctx.client.call('getPlugin', { params: { id } });
  if (pairs.length === 0) {
    if (ctx.json) {
      ctx.output.result(json(current.config));
    } else if (Object.keys(current.config).length === 0) {
      ctx.output.result(`${current.id} has no configuration set.`);
    } else {
      ctx.output.result(formatPairs(current.config).join('\n'));
    }
    return;
  }
  // Text fields keep what was typed (a string field set to 42 stays "42").
  const properties = (current.manifest?.config['properties'] ?? {}) as Record<
    string,
    { type?: unknown } | undefined
  >;
  const keepText = (key: string) => properties[key]?.type === 'string';
  const config = { ...current.config, ...parsePairs(pairs, 'config', keepText) };
  const updated = await ctx.client.call('configurePlugin', { params: { id }, body: { config } });
  if (ctx.json) {
    ctx.output.result(json(updated));
    return;
  }
  ctx.output.result(formatPairs(updated.config).join('\n'));
  ctx.output.info(
    `${updated.id}: ${updated.status}${updated.reason === undefined ? '' : ` (${updated.reason})`}`,
  );
}

export async function pluginLogs(
  ctx: OperatorContext,
  id: string,
  flags: { tail?: string | undefined },
): Promise<void> {
  const tail = flags.tail ?? '200';
  if (!/^\d+$/.test(tail)) {
    throw new OperatorError('CLI_USAGE', `--tail takes a number of lines, not "${tail}"`);
  }
  const text = await ctx.client.call('pluginLogs', { params: { id }, query: { tail } });
  if (ctx.json) {
    ctx.output.result(json({ lines: text === '' ? [] : text.replace(/\n$/, '').split('\n') }));
  } else if (text !== '') {
    ctx.output.result(text);
  } else {
    ctx.output.info(`(no log lines from ${id})`);
  }
}

/** The last log lines an `error` brought, or where to read them. */
export function logTailLines(record: PluginView): string[] {
  return record.logTail === undefined || record.logTail.length === 0
    ? [`  see \`plugboard plugins logs ${record.id}\``]
    : ['  last log lines:', ...record.logTail.map((l) => `    ${l}`)];
}

/** `<id> <version>: <status>; nodes: …`, then what it was granted and what confines it. */
export function describePlugin(record: PluginView): string {
  const version = record.version === undefined ? '' : ` ${record.version}`;
  const nodes = record.nodes.length === 0 ? '' : `; nodes: ${record.nodes.join(', ')}`;
  const asks = record.manifest === undefined ? [] : describeRequests(record.manifest);
  return [
    `${record.id}${version}: ${record.status}${nodes}`,
    ...(asks.length === 0 ? [] : [`  granted: ${asks.join(', ')}`]),
    ...(record.sandbox === undefined ? [] : [`  sandbox: ${describeSandbox(record.sandbox)}`]),
  ].join('\n');
}

function report(ctx: OperatorContext, record: PluginView, text: string): void {
  ctx.output.result(ctx.json ? json(record) : text);
}

/** Waits until the record's status is one of `done`. */
function waitForStatus(
  ctx: OperatorContext,
  start: PluginView,
  goal: { done: readonly string[]; timeoutMs: number },
): Promise<PluginView> {
  return waitForPlugin(ctx, start, {
    waitingFor: goal.done.join(' or '),
    until: (record) => goal.done.includes(record.status),
    timeoutMs: goal.timeoutMs,
  });
}
