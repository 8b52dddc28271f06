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
const FIXTURE = fileURLToPath(new URL('../fixtures/faulty', import.meta.url));

export interface FixtureOptions {
  readonly mode?: string;
  readonly version?: string;
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
  const dir = join(await mkdtemp(join(FIXTURES_ROOT, 'fixture-')), 'faulty');
  await cp(FIXTURE, dir, { recursive: true });
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
