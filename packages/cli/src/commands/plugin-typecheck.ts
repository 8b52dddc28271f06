/**
 * @module `plugboard plugin typecheck`: checks a plugin's TypeScript against its tsconfig.json
 * with the compiler the CLI brings, `@plugboard/sdk` and Node's types resolved to the CLI's own
 * copies (no install needed, as for `plugin test`).
 */
import { spawn } from 'node:child_process';
import { mkdtemp, rm, stat, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { CliError } from '../cli-error.ts';
import { exitCodeOf } from './child-exit.ts';

const require = createRequire(import.meta.url);

export async function typecheckPlugin(dir: string): Promise<void> {
  const root = resolve(dir);
  const own = join(root, 'tsconfig.json');
  if (
    !(await stat(own).then(
      () => true,
      () => false,
    ))
  ) {
    throw new CliError(
      'CLI_PLUGIN_INVALID',
      `${root} has no tsconfig.json; \`plugboard plugin init\` writes one to start from`,
    );
  }
  const scratch = await mkdtemp(join(tmpdir(), 'plugboard-typecheck-'));
  try {
    // The plugin's own settings, with the SDK and Node's types taken from this CLI.
    const config = join(scratch, 'tsconfig.json');
    await writeFile(
      config,
      JSON.stringify({
        extends: own,
        compilerOptions: {
          noEmit: true,
          typeRoots: [dirname(dirname(require.resolve('@types/node/package.json')))],
          paths: {
            '@plugboard/sdk': [fileURLToPath(import.meta.resolve('@plugboard/sdk'))],
            '@plugboard/sdk/testing': [
              fileURLToPath(import.meta.resolve('@plugboard/sdk/testing')),
            ],
          },
        },
        include: [join(root, 'src'), join(root, 'test')],
      }),
    );
    const tsc = require.resolve('typescript/bin/tsc');
    const child = spawn(process.execPath, [tsc, '-p', config, '--pretty'], {
      cwd: root,
      stdio: 'inherit',
    });
    const code = await exitCodeOf(child);
    if (code !== 0) {
      throw new CliError(
        'CLI_TYPECHECK_FAILED',
        'the plugin has type errors (listed above); fix them and run `plugboard plugin typecheck` again',
        code,
      );
    }
  } finally {
    await rm(scratch, { recursive: true, force: true });
  }
}
