// Builds plugin packages for tests from the `faulty` fixture: a copy with a chosen behaviour,
// id and version, with its generated manifest, as a folder or a packed .tar.gz.
import { spawn } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { cp, mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * Every fixture of this test run lives here: named after the vitest main process (the parent of
 * every test worker), whose global teardown (vitest.global-setup.ts) removes it.
 */
const FIXTURES_ROOT = join(tmpdir(), `plugboard-fixtures-${String(process.ppid)}`);
mkdirSync(FIXTURES_ROOT, { recursive: true });

export const CLI_BIN = fileURLToPath(new URL('../../../cli/bin/plugboard.js', import.meta.url));
const FIXTURES = fileURLToPath(new URL('../fixtures', import.meta.url));

export interface FixtureOptions {
  /** Which fixture: `faulty` (misbehaves as told) by default, or `hostile` (attacks its host). */
  readonly fixture?: 'faulty' | 'hostile';
  readonly mode?: string;
  readonly version?: string;
  /** What its manifest asks of the sandbox (`resources`, `permissions`). */
  readonly declared?: Record<string, unknown>;
}

export async function runCli(args: readonly string[], cwd: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [CLI_BIN, ...args], {
      cwd,
      env: { PATH: process.env['PATH'] ?? '' },
    });
    let out = '';
    let err = '';
    child.stdout.on('data', (c: Buffer) => (out += c.toString()));
    child.stderr.on('data', (c: Buffer) => (err += c.toString()));
    child.on('exit', (code) => {
      if (code === 0) {
        resolve(out.trim());
      } else {
        reject(new Error(`plugboard ${args.join(' ')} failed (${String(code)}): ${err}`));
      }
    });
  });
}

/** A folder holding the fixture with its manifest; the behaviour is written after the manifest. */
export async function fixtureFolder(options: FixtureOptions = {}): Promise<string> {
  const fixture = options.fixture ?? 'faulty';
  const dir = join(await mkdtemp(join(FIXTURES_ROOT, 'fixture-')), fixture);
  await cp(join(FIXTURES, fixture), dir, { recursive: true });
  const version = options.version ?? '1.0.0';
  if (version !== '1.0.0') {
    for (const file of ['package.json', 'src/index.ts']) {
      const text = await readFile(join(dir, file), 'utf8');
      await writeFile(
        join(dir, file),
        text.replace(/(["']?version["']?: ["'])1\.0\.0/, `$1${version}`),
      );
    }
  }
  if (options.declared !== undefined) {
    await writeFile(join(dir, 'declared.json'), JSON.stringify(options.declared));
  }
  await runCli(['plugin', 'manifest', '--out', 'plugboard.manifest.json'], dir);
  if (options.mode !== undefined && options.mode !== 'ok') {
    await writeFile(join(dir, 'behaviour.json'), JSON.stringify({ mode: options.mode }));
  }
  return dir;
}

/** The fixture packed by `plugboard plugin pack`; returns the archive path. */
export async function fixtureArchive(options: FixtureOptions = {}): Promise<string> {
  const dir = await fixtureFolder(
    options.version === undefined ? {} : { version: options.version },
  );
  if (options.mode !== undefined && options.mode !== 'ok') {
    await writeFile(join(dir, 'behaviour.json'), JSON.stringify({ mode: options.mode }));
  }
  return runCli(['plugin', 'pack', '--out', join(dir, '..', 'faulty.tar.gz')], dir);
}
