// Installing through the Plugin Server from a real git server over HTTPS on loopback: a private
// repository with a token, a subdirectory, a branch and a pinned commit; the token never shows.
import { readdir, readFile } from 'node:fs/promises';
import { join, relative } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fixtureFolder } from './helpers/fixture-package.ts';
import {
  startGitHttpsServer,
  type GitHttpsServer,
  type TestRepo,
} from './helpers/git-https-server.ts';
import { startTestServer, type TestServer } from './helpers/test-server.ts';

const TOKEN = 'ghp_secretTokenValue123456';
let git: GitHttpsServer;
let server: TestServer;
let repo: TestRepo;

async function filesOf(dir: string, prefix: string): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  for (const entry of await readdir(dir, { recursive: true, withFileTypes: true })) {
    if (entry.isFile()) {
      const path = join(entry.parentPath, entry.name);
      out[`${prefix}/${relative(dir, path)}`] = await readFile(path, 'utf8');
    }
  }
  return out;
}

beforeAll(async () => {
  git = await startGitHttpsServer();
  const v1 = await filesOf(await fixtureFolder({ version: '1.0.0' }), 'plugins/faulty');
  const v2 = await filesOf(await fixtureFolder({ version: '2.0.0' }), 'plugins/faulty');
  repo = await git.createRepo(
    'monorepo',
    { 'README.md': 'several plugins\n', ...v1 },
    {
      token: TOKEN,
      commits: [v2],
      branches: { stable: v1 },
    },
  );
  server = await startTestServer({ gitCaFile: git.caFile });
});
afterAll(async () => {
  await server.close();
  await git.close();
});

const source = (extra: Record<string, string>) => ({
  type: 'git',
  url: repo.url,
  subdirectory: 'plugins/faulty',
  token: TOKEN,
  ...extra,
});

describe('git source through the Plugin Server', () => {
  it('installs from a private repository subdirectory with a token, which appears nowhere', async () => {
    await server.call('POST', '/plugins/faulty/install', { source: source({}) });
    const view = await server.waitFor('faulty', (v) => v?.status === 'running', 60_000);
    expect(view).toMatchObject({
      version: '2.0.0',
      source: { type: 'git', url: repo.url, subdirectory: 'plugins/faulty', token: '********' },
    });
    const everything =
      JSON.stringify(view) +
      (await (await server.call('GET', '/plugins/faulty/logs?tail=500')).text());
    expect(everything).not.toContain(TOKEN);
    expect(
      git.requests.filter((r) => r.repo === 'monorepo').every((r) => r.authorization === 'valid'),
    ).toBe(true);
  });

  it('installs a branch and a pinned commit', async () => {
    await server.call('POST', '/plugins/faulty/install', { source: source({ ref: 'stable' }) });
    await server.waitFor('faulty', (v) => v?.status === 'running' && v.version === '1.0.0', 60_000);
    await server.call('POST', '/plugins/faulty/install', {
      source: source({ commit: repo.commits.at(-1) ?? '' }),
    });
    await server.waitFor('faulty', (v) => v?.status === 'running' && v.version === '2.0.0', 60_000);
  });

  it('reports a wrong token without showing it, and keeps the running version', async () => {
    const wrong = 'ghp_wrongTokenValue999999';
    await server.call('POST', '/plugins/faulty/install', {
      source: { ...source({}), token: wrong },
    });
    const view = await server.waitFor(
      'faulty',
      (v) => v?.lastError?.code === 'PSRV_GIT_FAILED',
      60_000,
    );
    expect(view?.status).toBe('running');
    expect(JSON.stringify(view)).not.toContain(wrong);
  });
});
