// `plugboard marketplace build`: deterministic archives and an index a Plugin Server accepts,
// versions kept across builds, and a changed package under a published version refused.
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { cp, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { marketplaceIndexSchema } from '@plugboard/server-api';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const CLI = fileURLToPath(new URL('../../bin/plugboard.js', import.meta.url));
const FIXTURES = fileURLToPath(new URL('../../../../test/e2e/fixtures/', import.meta.url));

function plugboard(
  args: readonly string[],
): Promise<{ code: number | null; out: string; err: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [CLI, ...args], {
      env: { PATH: process.env['PATH'] ?? '' },
    });
    let out = '';
    let err = '';
    child.stdout.on('data', (c: Buffer) => (out += c.toString()));
    child.stderr.on('data', (c: Buffer) => (err += c.toString()));
    child.on('exit', (code) => {
      resolve({ code, out, err });
    });
  });
}

describe('plugboard marketplace build', () => {
  let work: string;
  let source: string;
  let out: string;

  beforeAll(async () => {
    work = await mkdtemp(join(tmpdir(), 'plugboard-marketplace-'));
    source = join(work, 'plugins');
    out = join(work, 'market');
    await cp(FIXTURES, source, { recursive: true });
    await writeFile(join(source, 'README.md'), 'not a plugin');
  });
  afterAll(async () => {
    await rm(work, { recursive: true, force: true });
  });

  it('packs every plugin folder and writes an index with integrity hashes', async () => {
    const built = await plugboard(['marketplace', 'build', source, '--out', out]);
    expect(built.code, built.err).toBe(0);
    expect(built.out.trim()).toBe(join(out, 'index.json'));
    const index = marketplaceIndexSchema.parse(
      JSON.parse(await readFile(join(out, 'index.json'), 'utf8')),
    );
    expect(index.plugins.map((p) => p.name)).toEqual(['e2e-files', 'e2e-text']);
    for (const plugin of index.plugins) {
      const [version] = plugin.versions;
      if (version?.source.type !== 'archive') {
        throw new Error('expected an archive');
      }
      const bytes = await readFile(join(out, version.source.url));
      expect(version.source.integrity).toBe(
        `sha256-${createHash('sha256').update(bytes).digest('base64')}`,
      );
    }
  }, 60_000);

  it('builds again to the same bytes, keeping versions, and adds a new version beside the old', async () => {
    const before = await readFile(join(out, 'index.json'), 'utf8');
    expect((await plugboard(['marketplace', 'build', source, '--out', out])).code).toBe(0);
    expect(await readFile(join(out, 'index.json'), 'utf8')).toBe(before);
    for (const file of ['package.json', 'src/index.ts']) {
      const path = join(source, 'e2e-text', file);
      await writeFile(
        path,
        (await readFile(path, 'utf8')).replace("'2.0.0'", "'2.1.0'").replace('"2.0.0"', '"2.1.0"'),
      );
    }
    expect((await plugboard(['marketplace', 'build', source, '--out', out])).code).toBe(0);
    const index = marketplaceIndexSchema.parse(
      JSON.parse(await readFile(join(out, 'index.json'), 'utf8')),
    );
    expect(
      index.plugins.find((p) => p.name === 'e2e-text')?.versions.map((v) => v.version),
    ).toEqual(['2.0.0', '2.1.0']);
  }, 60_000);

  it('refuses a published version whose contents changed', async () => {
    const path = join(source, 'e2e-text', 'src', 'index.ts');
    await writeFile(path, `${await readFile(path, 'utf8')}\n// changed without a new version\n`);
    const refused = await plugboard(['marketplace', 'build', source, '--out', out]);
    expect(refused.code).toBe(1);
    expect(refused.err).toContain('e2e-text@2.1.0 changed since it was published');
  }, 60_000);

  it('pins versions to a git commit instead of packing, for a marketplace on any git host', async () => {
    const gitOut = join(work, 'git-market');
    const commit = 'a'.repeat(40);
    const built = await plugboard([
      'marketplace',
      'build',
      source,
      '--out',
      gitOut,
      '--git',
      'https://git.example/plugins.git',
      '--commit',
      commit,
      '--path',
      'plugins',
    ]);
    expect(built.code, built.err).toBe(0);
    const index = marketplaceIndexSchema.parse(
      JSON.parse(await readFile(join(gitOut, 'index.json'), 'utf8')),
    );
    expect(index.plugins.find((p) => p.name === 'e2e-files')?.versions).toEqual([
      {
        version: '1.0.0',
        source: {
          type: 'git',
          url: 'https://git.example/plugins.git',
          commit,
          subdirectory: 'plugins/e2e-files',
        },
      },
    ]);
    const short = await plugboard([
      'marketplace',
      'build',
      source,
      '--out',
      gitOut,
      '--git',
      'https://git.example/plugins.git',
    ]);
    expect(short.code).toBe(1);
    expect(short.err).toContain('--git needs --commit');
  }, 60_000);
});
