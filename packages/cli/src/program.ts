/**
 * @module The command tree. Each action imports its module lazily, so `plugboard plugin serve` (started
 * once per installed plugin) loads only what serving needs.
 */
import { Command } from 'commander';
import { PLUGIN_ENV } from '@plugboard/protocol';
import { SERVE_FLAGS, serve, toServeOptions } from './commands/plugin-serve.ts';
import { registerOperatorCommands } from './operator/register.ts';
import type { Output } from './output.ts';

export interface ProgramDeps {
  readonly output: Output;
  readonly env: Readonly<Record<string, string | undefined>>;
  readonly cwd: string;
  /** Set by a command that wants a specific exit code (serve, after draining). */
  setExitCode(code: number): void;
}

function camel(flag: string): string {
  return flag.replace(/-([a-z])/g, (_m, letter: string) => letter.toUpperCase());
}

export function buildProgram(deps: ProgramDeps): Command {
  const { output } = deps;
  const program = new Command('plugboard')
    .description('Plugboard: author, check, pack and serve workflow plugins.')
    .showHelpAfterError('(run with --help for usage)')
    .configureOutput({
      writeOut: (text) => {
        output.result(text);
      },
      writeErr: (text) => {
        output.info(text);
      },
    })
    .exitOverride();

  const plugin = program
    .command('plugin')
    .description('Work on a plugin: init, validate, manifest, pack, test, serve.');

  plugin
    .command('init')
    .description(
      'Create a working plugin (a node, an integration and a test) in a new folder <name>.',
    )
    .argument('<name>', 'plugin id and folder name, e.g. text-tools')
    .option('--dir <parent>', 'where to create the folder', deps.cwd)
    .action(async (name: string, opts: { dir: string }) => {
      const { initPlugin } = await import('./commands/plugin-init.ts');
      const created = await initPlugin(name, opts.dir);
      output.result(`Created ${created.dir}\n${created.files.map((f) => `  ${f}`).join('\n')}`);
      output.info(`Next: cd ${name} && plugboard plugin test && plugboard plugin serve --port 0`);
    });

  plugin
    .command('validate')
    .description(
      'Load the plugin, build its manifest and check it; prints a summary or every problem.',
    )
    .argument('[dir]', 'plugin folder', '.')
    .action(async (dir: string) => {
      const { describeManifest, validatePlugin } = await import('./commands/plugin-validate.ts');
      output.result(describeManifest((await validatePlugin(dir)).manifest));
    });

  plugin
    .command('manifest')
    .description('Print the manifest generated from the plugin (JSON), or write it with --out.')
    .argument('[dir]', 'plugin folder', '.')
    .option('--out <file>', 'write to this file instead of stdout')
    .action(async (dir: string, opts: { out?: string }) => {
      const { validatePlugin } = await import('./commands/plugin-validate.ts');
      const json = `${JSON.stringify((await validatePlugin(dir)).manifest, null, 2)}\n`;
      if (opts.out === undefined) {
        output.result(json);
      } else {
        const { writeFile } = await import('node:fs/promises');
        await writeFile(opts.out, json);
        output.info(`Wrote ${opts.out}`);
      }
    });

  plugin
    .command('pack')
    .description(
      'Write a deterministic <id>-<version>.tar.gz (no node_modules, VCS folders or earlier packs).',
    )
    .argument('[dir]', 'plugin folder', '.')
    .option('--out <file>', 'archive path')
    .action(async (dir: string, opts: { out?: string }) => {
      const { packPlugin } = await import('./commands/plugin-pack.ts');
      const packed = await packPlugin(dir, opts.out);
      output.result(packed.file);
      output.info(
        `${String(packed.files.length)} files, ${String(packed.bytes)} bytes, integrity ${packed.integrity}`,
      );
    });

  plugin
    .command('test')
    .description(
      "Run the plugin's tests (test/**/*.test.ts) with Node's test runner and the SDK supplied.",
    )
    .argument('[patterns...]', 'test file globs', [])
    .option('--dir <dir>', 'plugin folder', '.')
    .action(async (patterns: string[], opts: { dir: string }) => {
      const { testPlugin } = await import('./commands/plugin-test.ts');
      await testPlugin(opts.dir, patterns);
    });

  plugin
    .command('typecheck')
    .description(
      "Check the plugin's TypeScript (its tsconfig.json) with the SDK and Node's types supplied.",
    )
    .option('--dir <dir>', 'plugin folder', '.')
    .action(async (opts: { dir: string }) => {
      const { typecheckPlugin } = await import('./commands/plugin-typecheck.ts');
      await typecheckPlugin(opts.dir);
    });

  const serveCommand = plugin
    .command('serve')
    .description(
      'Run the plugin as a plugin process on 127.0.0.1: one handshake line on stdout, JSON logs on stderr.\n' +
        `Environment (flags win): ${Object.values(PLUGIN_ENV)
          .map((v) => v.name)
          .join(', ')}.`,
    )
    .argument('[dir]', 'plugin folder', '.');
  for (const [flag, spec] of Object.entries(SERVE_FLAGS)) {
    serveCommand.option(`--${flag} ${spec.value}`, spec.description);
  }
  serveCommand.action(async (dir: string, opts: Record<string, string | undefined>) => {
    // Commander camel-cases flag names; the table is keyed by the flags themselves.
    const values = Object.fromEntries(
      Object.keys(SERVE_FLAGS).map((flag) => [flag, opts[camel(flag)]]),
    );
    deps.setExitCode(await serve(toServeOptions(dir, values), deps.env));
  });

  program
    .command('server')
    .description(
      'Run the Plugin Server: installs, runs, supervises and forwards to plugins. Configured by PLUGBOARD_SERVER_* variables (see docs/plugin-server.md); flags win.',
    )
    .option('--host <host>', 'listen address')
    .option('--port <port>', 'listen port')
    .option('--data-dir <dir>', 'where plugins, logs and uploads live')
    .option('--dev', 'dev mode: allows local-folder sources and private git hosts')
    .action(async (opts: { host?: string; port?: string; dataDir?: string; dev?: boolean }) => {
      const { runServer } = await import('./commands/server.ts');
      deps.setExitCode(await runServer(opts, { env: deps.env, output }));
    });

  program
    .command('start')
    .description(
      'Run everything on embedded defaults: the platform with its worker, the Plugin Server and the marketplace of official plugins. State, logs and generated keys live in the data folder; a second start finds them.',
    )
    .option('--data-dir <dir>', 'where everything is kept', '.plugboard')
    .option('--host <host>', 'listen address', '127.0.0.1')
    .option('--port <port>', 'platform port (0: any free one)', '4000')
    .option('--server-port <port>', 'Plugin Server port (0: any free one)', '4010')
    .option('--marketplace <dir>', 'build the marketplace from this folder of plugins instead')
    .option('--marketplace-url <url>', 'use this marketplace index instead of building one')
    .option('--dev', 'dev mode: allows local-folder plugin sources and private git hosts')
    .action(async (opts: Record<string, string | boolean | undefined>) => {
      const { runStart } = await import('./commands/start.ts');
      const text = (value: string | boolean | undefined) =>
        typeof value === 'string' ? value : undefined;
      deps.setExitCode(
        await runStart(
          {
            ...Object.fromEntries(
              ['dataDir', 'host', 'port', 'serverPort', 'marketplace', 'marketplaceUrl'].flatMap(
                (k) => {
                  const value = text(opts[k]);
                  return value === undefined ? [] : [[k, value]];
                },
              ),
            ),
            ...(opts['dev'] === true ? { dev: true } : {}),
          },
          { env: deps.env, output, cwd: deps.cwd },
        ),
      );
    });

  program
    .command('marketplace')
    .description('Publish plugins to a marketplace folder.')
    .command('build')
    .description(
      'Pack every plugin folder in <plugins-dir> and write <out>/index.json with each version and its integrity; versions already listed are kept.',
    )
    .argument('<plugins-dir>', 'a folder of plugin folders')
    .requiredOption(
      '--out <dir>',
      'the marketplace folder (served as is by a platform or any web server)',
    )
    .option('--git <url>', 'pin versions to this git repository instead of packing archives')
    .option('--commit <sha>', 'with --git: the full commit that holds these plugin folders')
    .option('--path <folder>', 'with --git: where the plugin folders are in the repository', '')
    .action(
      async (
        pluginsDir: string,
        opts: { out: string; git?: string; commit?: string; path: string },
      ) => {
        const { buildMarketplace } = await import('./commands/marketplace-build.ts');
        if (opts.git !== undefined && opts.commit === undefined) {
          const { CliError } = await import('./cli-error.ts');
          throw new CliError('CLI_USAGE', '--git needs --commit (the full commit to pin)');
        }
        const built = await buildMarketplace(pluginsDir, opts.out, {
          onProgress: (line) => {
            output.info(line);
          },
          ...(opts.git === undefined || opts.commit === undefined
            ? {}
            : { git: { url: opts.git, commit: opts.commit, path: opts.path } }),
        });
        output.result(built.indexFile);
      },
    );

  const platformEnv = 'Configured by PLUGBOARD_* variables (see docs/platform.md); flags win.';
  program
    .command('platform')
    .description(
      `Run the platform: plugin records, node registry, workflows, runs (with the worker inside unless --no-worker), files and credentials. ${platformEnv}`,
    )
    .option('--host <host>', 'listen address')
    .option('--port <port>', 'listen port')
    .option('--data-dir <dir>', 'where the embedded database and files live')
    .option('--database-url <url>', 'PostgreSQL instead of the embedded database')
    .option('--no-worker', 'do not run workflows here (a `plugboard worker` does)')
    .action(async (opts: Record<string, string | boolean | undefined>) => {
      const { runPlatform } = await import('./commands/platform.ts');
      deps.setExitCode(await runPlatform(platformFlags(opts), { env: deps.env, output }));
    });

  program
    .command('worker')
    .description(
      `Run workflows taken from the platform's PostgreSQL database, apart from the platform. ${platformEnv}`,
    )
    .option('--data-dir <dir>', 'where stored files live (shared with the platform)')
    .option('--database-url <url>', "the platform's PostgreSQL")
    .action(async (opts: Record<string, string | boolean | undefined>) => {
      const { runWorker } = await import('./commands/platform.ts');
      deps.setExitCode(await runWorker(platformFlags(opts), { env: deps.env, output }));
    });

  program
    .command('secrets')
    .description("Manage the platform's encryption of secrets at rest.")
    .command('rotate')
    .description(
      `Re-encrypt every sealed value (plugin config secrets, git tokens, credentials) under PLUGBOARD_SECRET_KEY, opening old ones with PLUGBOARD_SECRET_KEY_PREVIOUS, in batches; shows progress and reports what is left under an old key. Safe to stop and run again. ${platformEnv}`,
    )
    .option('--data-dir <dir>', "the platform's data folder (its embedded database)")
    .option('--database-url <url>', "the platform's PostgreSQL")
    .option('--batch-size <n>', 'values re-encrypted per transaction (100)')
    .option(
      '--start-dir <dir>',
      'the data folder of `plugboard start` (npm start: .plugboard): its keys.json and database, with it stopped',
    )
    .option('--new-key', 'with --start-dir: a new key first; the old one becomes a previous key')
    .option(
      '--drop-previous',
      'with --start-dir: remove the previous keys from keys.json once nothing is left under them',
    )
    .action(async (opts: Record<string, string | boolean | undefined>) => {
      const { runSecretsRotate } = await import('./commands/secrets-rotate.ts');
      const text = (value: string | boolean | undefined) =>
        typeof value === 'string' ? value : undefined;
      const flags = Object.fromEntries(
        ['dataDir', 'databaseUrl', 'batchSize', 'startDir'].flatMap((k) => {
          const value = text(opts[k]);
          return value === undefined ? [] : [[k, value]];
        }),
      );
      deps.setExitCode(
        await runSecretsRotate(
          {
            ...flags,
            ...(opts['newKey'] === true ? { newKey: true } : {}),
            ...(opts['dropPrevious'] === true ? { dropPrevious: true } : {}),
          },
          { env: deps.env, output, cwd: deps.cwd },
        ),
      );
    });

  registerOperatorCommands(program, deps);
  return program;
}

function platformFlags(opts: Record<string, string | boolean | undefined>) {
  const text = (value: string | boolean | undefined) =>
    typeof value === 'string' ? value : undefined;
  const host = text(opts['host']);
  const port = text(opts['port']);
  const dataDir = text(opts['dataDir']);
  const databaseUrl = text(opts['databaseUrl']);
  return {
    ...(host === undefined ? {} : { host }),
    ...(port === undefined ? {} : { port }),
    ...(dataDir === undefined ? {} : { dataDir }),
    ...(databaseUrl === undefined ? {} : { databaseUrl }),
    ...(opts['worker'] === false ? { worker: false } : {}),
  };
}
