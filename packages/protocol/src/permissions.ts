/**
 * @module What a plugin asks of its host, declared in its manifest: resources beyond the defaults
 * and permissions beyond the sandbox's. The operator grants them; a plugin never runs with more.
 */
import { z } from 'zod';

export const resourcesSchema = z
  .object({
    memoryMiB: z
      .number()
      .int()
      .min(64)
      .max(1_048_576)
      .optional()
      .describe("Memory the process may use (MiB); V8's heap is sized to fit inside it."),
    cpus: z
      .number()
      .positive()
      .max(1024)
      .optional()
      .describe('CPU time as a number of cores (0.5 = half of one core).'),
    processes: z
      .number()
      .int()
      .min(1)
      .max(65_536)
      .optional()
      .describe('Processes and threads it may run at once, its own included.'),
  })
  .strict()
  .meta({ id: 'PluginResources' });
export type PluginResources = z.infer<typeof resourcesSchema>;

const envNameSchema = z.string().regex(/^[A-Za-z_][A-Za-z0-9_]{0,127}$/, {
  message: 'an environment variable name (letters, digits, _)',
});

/** Host names or `*.suffix` patterns; a plugin granted a list reaches only those hosts. */
const hostPatternSchema = z
  .string()
  .regex(/^(\*\.)?[a-z0-9]([a-z0-9-]*[a-z0-9])?(\.[a-z0-9]([a-z0-9-]*[a-z0-9])?)*$/, {
    message: 'a lower-case host name, optionally starting with "*."',
  });

/** Outbound network access: `true` for any public host, or a list of hosts. */
export const networkAccessSchema = z.union([
  z.boolean(),
  z.object({ hosts: z.array(hostPatternSchema).min(1) }).strict(),
]);
export type NetworkAccess = z.infer<typeof networkAccessSchema>;

export const permissionsSchema = z
  .object({
    network: networkAccessSchema
      .optional()
      .describe(
        'Outbound network access: true for any public host, or the hosts it needs. Loopback, private, link-local and metadata addresses stay closed unless the operator opens them.',
      ),
    childProcesses: z.boolean().optional().describe('Whether it may start child processes.'),
    env: z
      .array(envNameSchema)
      .optional()
      .describe('Host environment variables it reads; passed only where the operator allows.'),
  })
  .strict()
  .meta({ id: 'PluginPermissions' });
export type PluginPermissions = z.infer<typeof permissionsSchema>;

/** What a manifest asks for beyond the sandbox's defaults, in words; `[]` when nothing. */
export function describeRequests(asked: {
  readonly resources?: PluginResources | undefined;
  readonly permissions?: PluginPermissions | undefined;
}): string[] {
  const { resources = {}, permissions = {} } = asked;
  const words: string[] = [];
  if (permissions.network === true) {
    words.push('network (any public host)');
  } else if (typeof permissions.network === 'object') {
    words.push(`network (${permissions.network.hosts.join(', ')})`);
  }
  if (permissions.childProcesses === true) {
    words.push('child processes');
  }
  if (permissions.env !== undefined && permissions.env.length > 0) {
    words.push(`environment variables ${permissions.env.join(', ')}`);
  }
  if (resources.memoryMiB !== undefined) {
    words.push(`${String(resources.memoryMiB)} MiB of memory`);
  }
  if (resources.cpus !== undefined) {
    words.push(`${String(resources.cpus)} CPU cores`);
  }
  if (resources.processes !== undefined) {
    words.push(`${String(resources.processes)} processes`);
  }
  return words;
}
