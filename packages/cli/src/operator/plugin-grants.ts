/**
 * @module `plugboard plugins grant`: what the operator grants a plugin (network access, child
 * processes), and the same flags on `plugins install`. Resources and host environment variables
 * are the Plugin Server's settings, not grants.
 */
import { describeRequests } from '@plugboard/protocol';
import { describeGrant, pluginGrantSchema, type PluginGrant } from '@plugboard/server-api';
import type { PluginRecordView } from '@plugboard/platform-api';
import type { OperatorContext } from './context.ts';
import { OperatorError } from './errors.ts';
import { json } from './format.ts';

export interface GrantFlags {
  readonly network?: boolean | undefined;
  readonly hosts?: string | undefined;
  readonly childProcesses?: boolean | undefined;
}

/** The grant the flags describe; undefined when none was given. */
export function grantFromFlags(flags: GrantFlags): PluginGrant | undefined {
  if (flags.network === true && flags.hosts !== undefined) {
    throw new OperatorError(
      'CLI_USAGE',
      '--network grants every public host and --hosts only some: give one of them',
    );
  }
  const wanted = {
    ...(flags.network === true ? { network: true } : {}),
    ...(flags.hosts === undefined
      ? {}
      : { network: { hosts: flags.hosts.split(',').map((h) => h.trim().toLowerCase()) } }),
    ...(flags.childProcesses === true ? { childProcesses: true } : {}),
  };
  if (Object.keys(wanted).length === 0) {
    return undefined;
  }
  const parsed = pluginGrantSchema.safeParse(wanted);
  if (!parsed.success) {
    throw new OperatorError(
      'CLI_USAGE',
      `--hosts takes host names separated by commas (a leading "*." covers subdomains): ${parsed.error.issues[0]?.message ?? ''}`,
    );
  }
  return parsed.data;
}

export async function grantPlugin(
  ctx: OperatorContext,
  id: string,
  flags: GrantFlags & { readonly revoke?: boolean | undefined },
): Promise<void> {
  let grant = grantFromFlags(flags);
  if (flags.revoke === true) {
    if (grant !== undefined) {
      throw new OperatorError('CLI_USAGE', '--revoke takes no other grant flag');
    }
    grant = {};
  }
  if (grant === undefined) {
    grant = asked(await ctx.client.call('getPlugin', { params: { id } }));
  }
  const record = await ctx.client.call('grantPlugin', { params: { id }, body: { grant } });
  if (ctx.json) {
    ctx.output.result(json(record));
    return;
  }
  const words = describeGrant(grant);
  ctx.output.result(
    `${record.id}: granted ${words.length === 0 ? 'nothing beyond the sandbox' : words.join(', ')}`,
  );
  ctx.output.info(
    `${record.id}: ${record.status}${record.reason === undefined ? '' : ` (${record.reason})`}; follow it with \`plugboard plugins list\``,
  );
}

/** What the installed version asks for, as a grant; refused when it asks for nothing grantable. */
function asked(record: PluginRecordView): PluginGrant {
  const permissions = record.manifest?.permissions ?? {};
  const grant: PluginGrant = {
    ...(permissions.network === undefined || permissions.network === false
      ? {}
      : { network: permissions.network }),
    ...(permissions.childProcesses === true ? { childProcesses: true } : {}),
  };
  if (Object.keys(grant).length === 0) {
    const asks = record.manifest === undefined ? [] : describeRequests(record.manifest);
    throw new OperatorError(
      'CLI_USAGE',
      record.manifest === undefined
        ? `plugin "${record.id}" has not run yet, so what it asks for is not known here: say what to grant with --network, --hosts <a,b> or --child-processes (its status reason names what it waits for)`
        : `plugin "${record.id}" asks for nothing that is granted here (${asks.length === 0 ? 'nothing' : asks.join(', ')}); give --network, --hosts <a,b> or --child-processes, or --revoke`,
    );
  }
  return grant;
}
