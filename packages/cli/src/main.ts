/**
 * @module The `plugboard` process: composition root and the one place that exits.
 */
import { CliError } from './cli-error.ts';
import { parseServeArgs, serve } from './commands/plugin-serve.ts';
import { createOutput } from './output.ts';

const output = createOutput({ stdout: process.stdout, stderr: process.stderr });
const args = process.argv.slice(2);
let exitCode = 0;

try {
  if (
    args[0] === 'plugin' &&
    args[1] === 'serve' &&
    !args.includes('--help') &&
    !args.includes('-h')
  ) {
    // A Plugin Server starts this once per installed plugin, so it skips loading the command tree
    // (commander): ~1.7 MB and ~5 ms per plugin process in bench/. Same flag table as the help.
    exitCode = await serve(parseServeArgs(args.slice(2)), process.env);
  } else {
    const { buildProgram } = await import('./program.ts');
    const program = buildProgram({
      output,
      env: process.env,
      cwd: process.cwd(),
      setExitCode: (code) => {
        exitCode = code;
      },
    });
    await program.parseAsync(process.argv);
  }
} catch (error) {
  exitCode = reportError(error);
}
process.exit(exitCode);

function reportError(error: unknown): number {
  const { code, exitCode: commanderExit } = error as { code?: unknown; exitCode?: unknown };
  if (typeof code === 'string' && code.startsWith('commander.')) {
    // Commander already printed the usage problem (or the help text, exit code 0).
    return commanderExit === 0 ? 0 : 2;
  }
  if (error instanceof CliError) {
    output.error(`${error.code}: ${error.message}`);
    return error.exitCode;
  }
  if (
    typeof code === 'string' &&
    (code.startsWith('SDK_') || code.startsWith('PSRV_') || code.startsWith('PLAT_'))
  ) {
    output.error(`${code}: ${(error as Error).message}`);
    return 1;
  }
  output.error(
    `CLI_INTERNAL: this is a bug in plugboard: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`,
  );
  return 70;
}
