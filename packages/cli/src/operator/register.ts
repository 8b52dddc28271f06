/**
 * @module The operator commands (`plugboard plugins|workflows|runs|files …`), which talk to a
 * running platform's API. Each action loads its module lazily. Connection flags (`--url`,
 * `--token`, `--data-dir`) sit on the command groups, so they go anywhere after the group's name.
 */
import type { Command } from 'commander';
import type { Output } from '../output.ts';
import type { WithContext } from './context.ts';
import { OperatorError } from './errors.ts';
import { collect } from './format.ts';
import { registerVersionCommands } from './register-versions.ts';

export interface OperatorDeps {
  readonly output: Output;
  readonly env: Readonly<Record<string, string | undefined>>;
  readonly cwd: string;
  setExitCode(code: number): void;
}

interface CommonOptions {
  readonly url?: string;
  readonly token?: string;
  readonly dataDir?: string;
  readonly json?: boolean;
}

const JSON_FLAG = "print the API's JSON answer on stdout (for scripts)";

export function registerOperatorCommands(program: Command, deps: OperatorDeps): void {
  const { output } = deps;

  const group = (name: string, description: string): Command =>
    program
      .command(name)
      .description(description)
      .option(
        '--url <url>',
        'platform URL (else PLUGBOARD_URL, else "url" in <data dir>/connection.json)',
      )
      .option(
        '--token <token>',
        'API token (else PLUGBOARD_TOKEN, else "token" in <data dir>/connection.json)',
      )
      .option(
        '--data-dir <dir>',
        'where connection.json is (else PLUGBOARD_DATA_DIR, else ./.plugboard)',
      )
      .configureHelp({ showGlobalOptions: true });

  /** Resolves the connection, runs the body, and reports an OperatorError as `<code>: <message>`. */
  const withContext: WithContext = async (command, body) => {
    const opts = command.optsWithGlobals<CommonOptions>();
    try {
      const [{ resolveConnection }, { createApiClient }] = await Promise.all([
        import('./connection.ts'),
        import('./api-client.ts'),
      ]);
      const connection = await resolveConnection(opts, { env: deps.env, cwd: deps.cwd });
      await body({
        client: createApiClient(connection),
        output,
        json: opts.json === true,
        cwd: deps.cwd,
        setExitCode: (code) => {
          deps.setExitCode(code);
        },
      });
    } catch (error) {
      if (!(error instanceof OperatorError)) {
        throw error;
      }
      output.error(`${error.code}: ${error.message}`);
      for (const line of error.lines) {
        output.info(line);
      }
      deps.setExitCode(error.exitCode);
    }
  };

  // --- plugins -------------------------------------------------------------------------------
  const plugins = group(
    'plugins',
    'Install, list, configure, update, roll back, restart and uninstall plugins on a running platform.',
  );

  plugins
    .command('list')
    .description('Every plugin: id, status, version, source, nodes, restarts and why.')
    .option('--json', JSON_FLAG)
    .action(async (_opts: unknown, command: Command) => {
      await withContext(command, async (ctx) => {
        const { listPlugins } = await import('./plugins.ts');
        await listPlugins(ctx);
      });
    });

  plugins
    .command('search')
    .description(
      'Browse the marketplace the platform installs from: name, latest version, what is installed.',
    )
    .argument('[text]', 'only plugins whose name or description contains this')
    .option('--json', JSON_FLAG)
    .action(async (text: string | undefined, _opts: unknown, command: Command) => {
      await withContext(command, async (ctx) => {
        const { searchMarketplace } = await import('./marketplace.ts');
        await searchMarketplace(ctx, text);
      });
    });

  plugins
    .command('install')
    .description(
      'Install a plugin: from the marketplace by name (default), or --git, --file or --local with --id. Waits until it runs (or needs config, or fails) unless --no-wait.',
    )
    .argument('[name]', 'marketplace plugin name (with --git/--file/--local: the plugin id)')
    .option('--version <version>', 'marketplace version (default: the latest)')
    .option('--git <url>', 'install from a git repository (https)')
    .option('--ref <ref>', 'with --git: branch or tag')
    .option('--commit <sha>', 'with --git: exact commit (wins over --ref)')
    .option('--subdirectory <dir>', 'with --git: folder of the plugin in the repository')
    .option('--git-token <token>', 'with --git: token for a private repository')
    .option('--file <archive>', 'install from a .tar.gz (as `plugboard plugin pack` writes)')
    .option('--local <path>', 'install from a local folder (a platform in dev mode)')
    .option('--id <id>', "the plugin's id (required with --git, --file and --local)")
    .option(
      '--config <key=value>',
      'plugin configuration, repeatable (values are JSON when they parse, else text)',
      collect,
    )
    .option('--network', 'grant it network access to any public host')
    .option('--hosts <hosts>', 'grant it network access to these hosts only (a,b,*.c)')
    .option('--child-processes', 'grant it child processes')
    .option('--no-wait', 'return once the install is accepted')
    .option('--timeout <seconds>', 'how long to wait for the plugin to run', '300')
    .option('--json', JSON_FLAG)
    .action(
      async (
        name: string | undefined,
        opts: {
          version?: string;
          git?: string;
          ref?: string;
          commit?: string;
          subdirectory?: string;
          gitToken?: string;
          file?: string;
          local?: string;
          id?: string;
          config?: string[];
          network?: boolean;
          hosts?: string;
          childProcesses?: boolean;
          wait: boolean;
          timeout?: string;
        },
        command: Command,
      ) => {
        await withContext(command, async (ctx) => {
          const { installPlugin } = await import('./plugins.ts');
          await installPlugin(ctx, { ...opts, name });
        });
      },
    );

  plugins
    .command('uninstall')
    .description('Uninstall a plugin (its nodes leave at once); waits until it is uninstalled.')
    .argument('<id>', 'plugin id')
    .option('--no-wait', 'return once the uninstall is accepted')
    .option('--timeout <seconds>', 'how long to wait', '300')
    .option('--json', JSON_FLAG)
    .action(async (id: string, opts: { wait: boolean; timeout?: string }, command: Command) => {
      await withContext(command, async (ctx) => {
        const { uninstallPlugin } = await import('./plugins.ts');
        await uninstallPlugin(ctx, id, opts);
      });
    });

  plugins
    .command('grant')
    .description(
      'Grant a plugin what it asks for beyond the sandbox: with no flag, what its installed version asks; an install or start waiting for the grant goes on, and a process asking for more than the new grant stops.',
    )
    .argument('<id>', 'plugin id')
    .option('--network', 'network access to any public host')
    .option('--hosts <hosts>', 'network access to these hosts only (a,b,*.c)')
    .option('--child-processes', 'child processes')
    .option('--revoke', 'grant nothing beyond the sandbox')
    .option('--json', JSON_FLAG)
    .action(
      async (
        id: string,
        opts: { network?: boolean; hosts?: string; childProcesses?: boolean; revoke?: boolean },
        command: Command,
      ) => {
        await withContext(command, async (ctx) => {
          const { grantPlugin } = await import('./plugin-grants.ts');
          await grantPlugin(ctx, id, opts);
        });
      },
    );

  plugins
    .command('restart')
    .description("Restart a plugin's process.")
    .argument('<id>', 'plugin id')
    .option('--json', JSON_FLAG)
    .action(async (id: string, _opts: unknown, command: Command) => {
      await withContext(command, async (ctx) => {
        const { restartPlugin } = await import('./plugins.ts');
        await restartPlugin(ctx, id);
      });
    });

  plugins
    .command('config')
    .description(
      "Show a plugin's configuration, or change keys: the given pairs are merged into the current configuration (secrets stay masked and kept).",
    )
    .argument('<id>', 'plugin id')
    .argument('[pairs...]', 'key=value (JSON when it parses, else text)')
    .option('--json', JSON_FLAG)
    .action(async (id: string, pairs: string[], ...[, command]: [unknown, Command]) => {
      await withContext(command, async (ctx) => {
        const { configurePlugin } = await import('./plugins.ts');
        await configurePlugin(ctx, id, pairs);
      });
    });

  plugins
    .command('logs')
    .description("A plugin's last log lines, from its Plugin Server.")
    .argument('<id>', 'plugin id')
    .option('--tail <lines>', 'how many lines', '200')
    .option('--json', 'print { "lines": [...] }')
    .action(async (id: string, opts: { tail?: string }, command: Command) => {
      await withContext(command, async (ctx) => {
        const { pluginLogs } = await import('./plugins.ts');
        await pluginLogs(ctx, id, opts);
      });
    });

  // --- workflows -----------------------------------------------------------------------------
  const workflows = group(
    'workflows',
    'List, create, run and upgrade workflows on a running platform.',
  );

  workflows
    .command('list')
    .description('Every workflow: id, name, node count, last update.')
    .option('--json', JSON_FLAG)
    .action(async (_opts: unknown, command: Command) => {
      await withContext(command, async (ctx) => {
        const { listWorkflows } = await import('./workflows.ts');
        await listWorkflows(ctx);
      });
    });

  workflows
    .command('create')
    .description(
      'Save a workflow from a JSON file { name, description?, graph }; prints its id, or every problem the platform found.',
    )
    .argument('<file>', 'workflow JSON file')
    .option('--json', JSON_FLAG)
    .action(async (file: string, _opts: unknown, command: Command) => {
      await withContext(command, async (ctx) => {
        const { createWorkflow } = await import('./workflows.ts');
        await createWorkflow(ctx, file);
      });
    });

  workflows
    .command('run')
    .description(
      "Run a workflow (by id or name), show each node's progress, then print its outputs. Ctrl-C cancels the run.",
    )
    .argument('<workflow>', 'workflow id or name')
    .option(
      '--input <name=value>',
      'a run input, repeatable (JSON when it parses, except for text inputs)',
      collect,
    )
    .option(
      '--input-file <name=path>',
      'upload a file and give it as an input, repeatable',
      collect,
    )
    .option('--no-wait', 'print the run id and return')
    .option('--json', 'print the finished run (or, with --no-wait, the queued run) as JSON')
    .action(
      async (
        workflow: string,
        opts: { input?: string[]; inputFile?: string[]; wait: boolean },
        command: Command,
      ) => {
        await withContext(command, async (ctx) => {
          const { runWorkflow } = await import('./workflows.ts');
          await runWorkflow(ctx, workflow, opts);
        });
      },
    );

  registerVersionCommands({ plugins, workflows }, withContext);

  // --- runs ----------------------------------------------------------------------------------
  const runs = group('runs', 'Inspect workflow runs on a running platform.');

  runs
    .command('show')
    .description("A run's status, timing, inputs, outputs, and every node's status and error.")
    .argument('<id>', 'run id')
    .option('--json', JSON_FLAG)
    .action(async (id: string, _opts: unknown, command: Command) => {
      await withContext(command, async (ctx) => {
        const { showRun } = await import('./runs.ts');
        await showRun(ctx, id);
      });
    });

  // --- files ---------------------------------------------------------------------------------
  const files = group('files', 'Files stored on a running platform.');

  files
    .command('download')
    .description('Download a stored file (a run output, say); prints where it was written.')
    .argument('<id>', 'file id')
    .option('--out <path>', "where to write it (default: the file's name here)")
    .option('--force', 'overwrite an existing file')
    .option('--json', 'print the file metadata and path as JSON')
    .action(async (id: string, opts: { out?: string; force?: boolean }, command: Command) => {
      await withContext(command, async (ctx) => {
        const { downloadFile } = await import('./files.ts');
        await downloadFile(ctx, id, opts);
      });
    });
}
