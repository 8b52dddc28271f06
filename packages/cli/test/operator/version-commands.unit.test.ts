// The command lines of the plugin version commands, parsed by the real command tree in-process:
// what each refuses before it calls any platform, and what its help says.
import { describe, expect, it } from 'vitest';
import { buildProgram } from '../../src/program.ts';

// Nothing listens on port 9 (discard); a command refused here never gets that far.
const CONNECT = ['--url', 'http://127.0.0.1:9', '--token', 'unit-test-token'];

async function parse(args: readonly string[]) {
  const out: string[] = [];
  const err: string[] = [];
  let exitCode = 0;
  const program = buildProgram({
    output: {
      result: (text) => out.push(text),
      info: (text) => err.push(text),
      error: (text) => err.push(`error ${text}`),
    },
    env: {},
    cwd: '/',
    setExitCode: (code) => {
      exitCode = code;
    },
  });
  let thrown: { code?: unknown } | undefined;
  try {
    await program.parseAsync(['node', 'plugboard', ...args]);
  } catch (error) {
    thrown = error as { code?: unknown };
  }
  return { out: out.join(''), err: err.join(''), exitCode, thrown: thrown?.code };
}

describe('plugboard plugins update|activate|versions|rollback, workflows upgrade', () => {
  it('update takes one source, and the git-only flags only with --git', async () => {
    const both = await parse([
      'plugins',
      'update',
      'p',
      '--file',
      'a.tar.gz',
      '--git',
      'https://x',
      ...CONNECT,
    ]);
    expect(both.exitCode).toBe(1);
    expect(both.err).toContain(
      'error CLI_USAGE: give one source: --git and --file were both given',
    );
    expect(both.out).toBe('');
    const ref = await parse(['plugins', 'update', 'p', '--ref', 'v2', ...CONNECT]);
    expect(ref.err).toContain('error CLI_USAGE: --ref only go with --git <url>');
    const timeout = await parse(['plugins', 'rollback', 'p', '--timeout', 'never', ...CONNECT]);
    expect(timeout.err).toContain(
      'error CLI_USAGE: --timeout takes a number of seconds, not "never"',
    );
  });

  it('activate needs the version; workflows upgrade needs --plugin', async () => {
    expect((await parse(['plugins', 'activate', 'p', ...CONNECT])).thrown).toBe(
      'commander.missingArgument',
    );
    expect((await parse(['workflows', 'upgrade', 'wf', ...CONNECT])).thrown).toBe(
      'commander.missingMandatoryOptionValue',
    );
  });

  it('the help lists the commands and their flags', async () => {
    const plugins = await parse(['plugins', '--help']);
    expect(plugins.thrown).toBe('commander.helpDisplayed');
    for (const command of ['update', 'activate', 'versions', 'rollback']) {
      expect(plugins.out).toMatch(new RegExp(`\\n  ${command} `));
    }
    const update = await parse(['plugins', 'update', '--help']);
    for (const flag of [
      '--version',
      '--file',
      '--git',
      '--local',
      '--yes',
      '--no-wait',
      '--json',
    ]) {
      expect(update.out).toContain(flag);
    }
    const upgrade = await parse(['workflows', 'upgrade', '--help']);
    for (const flag of ['--plugin', '--version', '--graph', '--json']) {
      expect(upgrade.out).toContain(flag);
    }
  });
});
