/**
 * @module `plugboard plugin pack`: a deterministic `.tar.gz` of a plugin (same sources, same bytes),
 * with its generated manifest and without node_modules, VCS folders or earlier packs.
 */
import { createHash } from 'node:crypto';
import {
  chmod,
  copyFile,
  lstat,
  mkdir,
  mkdtemp,
  readdir,
  readFile,
  rm,
  writeFile,
} from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join, relative, resolve } from 'node:path';
import { create } from 'tar';
import { CliError } from '../cli-error.ts';
import { validatePlugin } from './plugin-validate.ts';

/** Written into every archive so a Plugin Server can check a package before running any of it. */
const MANIFEST_FILE = 'plugboard.manifest.json';

const EXCLUDED_NAMES = new Set([
  'node_modules',
  '.git',
  '.hg',
  '.svn',
  '.plugboard',
  '.DS_Store',
  MANIFEST_FILE,
]);
const EXCLUDED_SUFFIXES = ['.tgz', '.tar.gz'];
/** Fixed so the archive does not change with checkout or build times. */
const ARCHIVE_MTIME = new Date('2000-01-01T00:00:00Z');

export interface PackResult {
  readonly file: string;
  readonly bytes: number;
  readonly integrity: string;
  readonly files: readonly string[];
}

export async function packPlugin(dir: string, outFile: string | undefined): Promise<PackResult> {
  const { loaded, manifest } = await validatePlugin(dir);
  const file = resolve(outFile ?? `${manifest.id}-${manifest.version}.tar.gz`);
  const files = (await listFiles(loaded.dir, loaded.dir))
    .filter((f) => resolve(loaded.dir, f) !== file)
    .sort();
  const staging = await mkdtemp(join(tmpdir(), 'plugboard-pack-'));
  try {
    for (const path of files) {
      const target = join(staging, path);
      await mkdir(dirname(target), { recursive: true });
      await copyFile(join(loaded.dir, path), target);
      const executable = ((await lstat(join(loaded.dir, path))).mode & 0o111) !== 0;
      // Normalised so the archive does not depend on the packer's umask.
      await chmod(target, executable ? 0o755 : 0o644);
    }
    await writeFile(join(staging, MANIFEST_FILE), `${JSON.stringify(manifest, null, 2)}\n`, {
      mode: 0o644,
    });
    await chmod(join(staging, MANIFEST_FILE), 0o644);
    const entries = [MANIFEST_FILE, ...files];
    await create(
      {
        file,
        cwd: staging,
        gzip: { level: 9 },
        portable: true,
        mtime: ARCHIVE_MTIME,
        noDirRecurse: true,
      },
      entries,
    );
    const bytes = await readFile(file);
    return {
      file,
      bytes: bytes.byteLength,
      integrity: `sha256-${createHash('sha256').update(bytes).digest('base64')}`,
      files: entries,
    };
  } catch (error) {
    throw new CliError('CLI_PACK_FAILED', `cannot write ${file}: ${(error as Error).message}`);
  } finally {
    await rm(staging, { recursive: true, force: true });
  }
}

async function listFiles(root: string, dir: string): Promise<string[]> {
  const found: string[] = [];
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    if (EXCLUDED_NAMES.has(entry.name) || EXCLUDED_SUFFIXES.some((s) => entry.name.endsWith(s))) {
      continue;
    }
    const path = join(dir, entry.name);
    if (entry.isSymbolicLink()) {
      throw new CliError(
        'CLI_PACK_FAILED',
        `${relative(root, path)} is a symbolic link; Plugin Servers refuse links in packages, so replace it with the file it points to`,
      );
    }
    if (entry.isDirectory()) {
      found.push(...(await listFiles(root, path)));
    } else if (entry.isFile()) {
      found.push(relative(root, path).split('\\').join('/'));
    }
  }
  return found;
}
