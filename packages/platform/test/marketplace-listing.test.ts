// GET /api/marketplace names as latest the version the Plugin Server installs when none is named
// (packages/plugin-server/test/sources.test.ts installs from an index listed in the same order).
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  startStandInPluginServer,
  type StandInPluginServer,
} from './helpers/stand-in-plugin-server.ts';
import { SERVER_API_KEY, startTestPlatform, type TestPlatform } from './helpers/test-platform.ts';

interface Listing {
  plugins: { name: string; versions: string[]; latest: string; asks: string[] }[];
}

const pinned = (version: string, permissions?: { childProcesses: boolean }) => ({
  version,
  ...(permissions === undefined ? {} : { permissions }),
  source: { type: 'git', url: 'https://example.com/faulty.git', commit: 'a'.repeat(40) },
});

let stand: StandInPluginServer;
let t: TestPlatform;
let dir: string;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'plugboard-marketplace-listing-'));
  const index = {
    formatVersion: 1,
    plugins: [
      {
        name: 'faulty',
        description: 'fixture',
        // Neither the last listed (a pre-release) nor the last release listed (0.9.0) is latest.
        versions: [
          pinned('1.0.0'),
          pinned('1.1.0', { childProcesses: true }),
          pinned('0.9.0'),
          pinned('2.0.0-rc.1'),
        ],
      },
      {
        name: 'early',
        description: 'only pre-releases so far',
        versions: [pinned('1.0.0-rc.10'), pinned('1.0.0-rc.9')],
      },
    ],
  };
  await writeFile(join(dir, 'index.json'), JSON.stringify(index));
  stand = await startStandInPluginServer({ apiKey: SERVER_API_KEY });
  t = await startTestPlatform({ pluginServerUrl: stand.url, marketplaceDir: dir });
});
afterAll(async () => {
  await t.close();
  await stand.close();
  await rm(dir, { recursive: true, force: true });
});

describe('GET /api/marketplace', () => {
  it('calls latest the highest release, lists versions oldest first, and shows what it asks', async () => {
    const { status, body } = await t.json<Listing>('GET', '/api/marketplace');
    expect(status).toBe(200);
    expect(body.plugins.find((p) => p.name === 'faulty')).toMatchObject({
      versions: ['0.9.0', '1.0.0', '1.1.0', '2.0.0-rc.1'],
      latest: '1.1.0',
      asks: ['child processes'],
    });
  });

  it('calls latest the highest pre-release when there are only pre-releases', async () => {
    const { body } = await t.json<Listing>('GET', '/api/marketplace');
    expect(body.plugins.find((p) => p.name === 'early')).toMatchObject({
      versions: ['1.0.0-rc.9', '1.0.0-rc.10'],
      latest: '1.0.0-rc.10',
    });
  });
});
