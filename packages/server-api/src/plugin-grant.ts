/**
 * @module What the operator grants one plugin through the platform: network access and child
 * processes. The platform keeps it with the plugin's record and sends it with every install and in
 * the desired state; the Plugin Server starts a plugin only if every permission it asks for is
 * granted here or by its own settings. Resources (memory, CPU, processes) and host environment
 * variables stay with the Plugin Server's settings alone: they are facts of its host.
 */
import { networkAccessSchema, type NetworkAccess } from '@plugboard/protocol';
import { z } from 'zod';

export const pluginGrantSchema = z
  .object({
    network: networkAccessSchema
      .optional()
      .describe(
        'Outbound network access: true for any public host, or only the hosts listed (`*.example.com` covers its subdomains).',
      ),
    childProcesses: z.boolean().optional().describe('Whether it may start child processes.'),
  })
  .strict()
  .meta({ id: 'PluginGrant' });
export type PluginGrant = z.infer<typeof pluginGrantSchema>;

/** Whether `granted` covers every host `asked` may reach. */
export function networkCovered(asked: NetworkAccess, granted: NetworkAccess | undefined): boolean {
  if (asked === false || granted === true) {
    return true;
  }
  if (granted === undefined || granted === false || asked === true) {
    return false;
  }
  return asked.hosts.every((host) => granted.hosts.some((pattern) => hostCovered(host, pattern)));
}

function hostCovered(host: string, pattern: string): boolean {
  if (host === pattern) {
    return true;
  }
  if (!pattern.startsWith('*.')) {
    return false;
  }
  // `*.example.com` covers `api.example.com` and `*.api.example.com`, not `example.com`.
  const suffix = pattern.slice(1);
  return host.endsWith(suffix) && host.length > suffix.length;
}

/** The grant in words, `[]` when nothing is granted. */
export function describeGrant(grant: PluginGrant): string[] {
  const words: string[] = [];
  if (grant.network === true) {
    words.push('network (any public host)');
  } else if (typeof grant.network === 'object') {
    words.push(`network (${grant.network.hosts.join(', ')})`);
  }
  if (grant.childProcesses === true) {
    words.push('child processes');
  }
  return words;
}
