/**
 * @module The commands for plugin versions side by side: `plugins update`, `plugins activate`,
 * `plugins versions`, `plugins rollback` and `workflows upgrade`. Each action loads its module
 * lazily, as the other operator commands do.
 */
import type { Command } from 'commander';
import type { WithContext } from './context.ts';

const JSON_FLAG = "print the API's JSON answer on stdout (for scripts)";

interface UpdateOptions {
  version?: string;
  git?: string;
  ref?: string;
  commit?: string;
  subdirectory?: string;
  gitToken?: string;
  file?: string;
  local?: string;
  yes?: boolean;
  wait: boolean;
  timeout?: string;
}

export function registerVersionCommands(
  groups: { plugins: Command; workflows: Command },
  withContext: WithContext,
): void {
  const { plugins, workflows } = groups;

  plugins
    .command('update')
    .description(
      'Install another version beside the current one (staged), show what making it current would break in saved workflows, then make it current and wait until it runs. Refuses when workflow nodes would break, unless --yes; the staged version stays installed. Without a source flag, the version comes from the source the plugin has.',
    )
    .argument('<id>', 'plugin id')
    .option('--version <version>', 'the version to install (default: the latest of the source)')
    .option('--git <url>', 'from a git repository (https)')
    .option('--ref <ref>', 'with --git: branch or tag')
    .option('--commit <sha>', 'with --git: exact commit (wins over --ref)')
    .option('--subdirectory <dir>', 'with --git: folder of the plugin in the repository')
    .option('--git-token <token>', 'with --git: token for a private repository')
    .option('--file <archive>', 'from a .tar.gz (as `plugboard plugin pack` writes)')
    .option('--local <path>', 'from a local folder (a platform in dev mode)')
    .option('--yes', 'make it current even when workflow nodes would break')
    .option('--no-wait', 'return once the install beside the current version is accepted')
    .option('--timeout <seconds>', 'how long to wait for each step', '300')
    .option('--json', 'print { "impact": …, "plugin": … } (the final record) on stdout')
    .action(async (id: string, opts: UpdateOptions, command: Command) => {
      await withContext(command, async (ctx) => {
        const { updatePlugin } = await import('./plugin-versions.ts');
        await updatePlugin(ctx, id, opts);
      });
    });

  plugins
    .command('activate')
    .description(
      'Make an installed version (staged, kept or rolled back) current: shows what it would break first and refuses when workflow nodes would break, unless --yes; waits until it runs.',
    )
    .argument('<id>', 'plugin id')
    .argument('<version>', 'an installed version (see `plugboard plugins versions <id>`)')
    .option('--yes', 'make it current even when workflow nodes would break')
    .option('--timeout <seconds>', 'how long to wait for it to run', '300')
    .option('--json', 'print { "impact": …, "plugin": … } (the final record) on stdout')
    .action(
      async (
        id: string,
        version: string,
        ...[opts, command]: [{ yes?: boolean; timeout?: string }, Command]
      ) => {
        await withContext(command, async (ctx) => {
          const { activatePlugin } = await import('./plugin-versions.ts');
          await activatePlugin(ctx, id, { ...opts, version });
        });
      },
    );

  plugins
    .command('versions')
    .description(
      "A plugin's installed versions, newest first: state (current, kept, staged, rolled_back), whether it runs, when it was installed, its nodes and why it is in that state.",
    )
    .argument('<id>', 'plugin id')
    .option('--json', 'print { "versions": [...] } from the plugin record')
    .action(async (id: string, _opts: unknown, command: Command) => {
      await withContext(command, async (ctx) => {
        const { listVersions } = await import('./plugin-versions.ts');
        await listVersions(ctx, id);
      });
    });

  plugins
    .command('rollback')
    .description(
      'Make the previous version (the highest kept one below the current) or --to current again at once; the versions above it are rolled back and run no node until made current again. Waits until it runs.',
    )
    .argument('<id>', 'plugin id')
    .option('--to <version>', 'the installed version to go back to')
    .option('--timeout <seconds>', 'how long to wait for it to run', '300')
    .option('--json', 'print the final plugin record on stdout')
    .action(async (id: string, opts: { to?: string; timeout?: string }, command: Command) => {
      await withContext(command, async (ctx) => {
        const { rollbackPlugin } = await import('./plugin-versions.ts');
        await rollbackPlugin(ctx, id, opts);
      });
    });

  workflows
    .command('upgrade')
    .description(
      "Move a workflow's nodes of one plugin to another version (default: the current one): their references are rewritten and the graph checked against it. A graph that does not fit is refused with what to fix, and nothing is saved.",
    )
    .argument('<workflow>', 'workflow id or name')
    .requiredOption('--plugin <id>', 'the plugin whose nodes move')
    .option('--version <version>', 'the installed version to move to (default: the current one)')
    .option(
      '--graph <file>',
      'the fixed graph to save with the upgrade ({ nodes, edges } or a workflow file)',
    )
    .option('--json', JSON_FLAG)
    .action(
      async (
        workflow: string,
        opts: { plugin: string; version?: string; graph?: string },
        command: Command,
      ) => {
        await withContext(command, async (ctx) => {
          const { upgradeWorkflow } = await import('./workflow-upgrade.ts');
          await upgradeWorkflow(ctx, workflow, opts);
        });
      },
    );
}
