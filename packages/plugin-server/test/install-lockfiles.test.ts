// Lockfiles that hold registry packages only pass the checks in every format, and a lockfile a
// tool wrote against the configured registry still installs frozen. The refusals, format by
// format, are in install-lockfiles-*.test.ts.
import { copyFile, mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createInstallers } from '../src/install/installer.ts';
import {
  createInstallBench,
  failure,
  recordingInstallers,
  type InstallBench,
} from './fixtures/install-registry/install-helpers.ts';
import {
  CONFIGURED,
  INTEGRITY,
  NOT_A_REGISTRY_TARBALL,
  MANIFEST,
  npmLock,
  dep,
  bunLock,
  REGISTRY_ENTRY,
  pnpmLock,
  YARN_V1,
  yarnEntry,
  BERRY,
  berryEntry,
} from './fixtures/install-registry/lockfiles.ts';
import {
  startRegistryStandIn,
  type RegistryStandIn,
} from './fixtures/install-registry/registry-stand-in.ts';

let bench: InstallBench;

beforeAll(async () => {
  bench = await createInstallBench('install-lockfiles');
});

afterAll(async () => {
  await bench.remove();
});

describe('registry-only lockfiles', () => {
  it('pass the checks in every format, @plugboard/* folders included', async () => {
    const { installers, spawned } = recordingInstallers();
    const configured = `${CONFIGURED}dep/-/dep-1.0.0.tgz`;
    const dir = await bench.pluginDir(
      { dependencies: { ...MANIFEST.dependencies, '@plugboard/sdk': 'file:../sdk' } },
      {
        'package-lock.json': npmLock({
          ...dep({ resolved: 'https://registry.npmjs.org/dep/-/dep-1.0.0.tgz' }),
          'node_modules/dep/node_modules/@s/sub': {
            version: '2.0.0',
            resolved: `${CONFIGURED}@s/sub/-/sub-2.0.0.tgz`,
          },
          'node_modules/al': { name: 'dep', version: '1.0.0' },
        }),
        // Trailing commas, as bun writes them.
        'bun.lock': bunLock({
          dep: ['dep@1.0.0', configured, {}, INTEGRITY],
          al: REGISTRY_ENTRY,
          '@plugboard/sdk': ['@plugboard/sdk@file:../sdk', {}],
        }).replace(/([^{[,\s])\n(\s*[}\]])/g, '$1,\n$2'),
        'pnpm-lock.yaml': pnpmLock({
          importers: {
            '.': {
              dependencies: {
                dep: { specifier: '^1.0.0', version: '1.0.0(peer@2.0.0)' },
                al: { specifier: 'npm:dep@1.0.0', version: 'dep@1.0.0' },
                '@plugboard/sdk': { specifier: 'file:../sdk', version: 'file:../sdk' },
              },
            },
          },
          packages: {
            'dep@1.0.0': { resolution: { integrity: INTEGRITY } },
            'dep@1.0.1': { resolution: { tarball: configured } },
          },
        }),
        'yarn.lock': `${YARN_V1}${yarnEntry('dep@^1.0.0, dep@^1.0.0-0', 'https://registry.yarnpkg.com/dep/-/dep-1.0.0.tgz#abc')}`,
      },
    );
    const { result } = await bench.install(dir, { installers, settings: { registry: CONFIGURED } });

    expect(result.installer).toBe('npm');
    expect(spawned).toEqual(['npm']);
  });

  it("pass with the registries of the operator's <cacheDir>/home/.npmrc", async () => {
    const { installers, spawned } = recordingInstallers();
    const operator = 'http://127.0.0.1:4874/';
    const cacheDir = join(bench.root, 'cache-operator');
    await mkdir(join(cacheDir, 'home'), { recursive: true });
    await writeFile(join(cacheDir, 'home/.npmrc'), `; private scope\n@s:registry=${operator}\n`);
    const files = {
      'package-lock.json': npmLock(dep({ resolved: `${operator}dep/-/dep-1.0.0.tgz` })),
    };
    await bench.install(await bench.pluginDir(MANIFEST, files), {
      installers,
      settings: { cacheDir },
    });
    expect(spawned).toEqual(['npm']);

    // The same lockfile for a server without that file.
    const error = await failure(
      bench.install(await bench.pluginDir(MANIFEST, files), { installers }),
    );
    expect(error.message).toMatch(NOT_A_REGISTRY_TARBALL);
  });

  it('pass a yarn 2+ lockfile with its root workspace entry', async () => {
    const { installers, spawned } = recordingInstallers();
    const yarnLock = `${BERRY}${berryEntry('dep@npm:^1.0.0', 'dep@npm:1.0.0')}"plugin@workspace:.":\n  version: 0.0.0-use.local\n  resolution: "plugin@workspace:."\n  linkType: soft\n`;
    const dir = await bench.pluginDir(MANIFEST, { 'yarn.lock': yarnLock });
    await bench.install(dir, { installers });
    expect(spawned).toEqual(['npm']);
  });
});

// A lockfile each tool writes itself against the configured registry (a stand-in on loopback)
// passes the checks, and the next install of the same plugin uses it frozen.
describe.each([
  ['npm', 'package-lock.json', /^\[install\] running npm ci /],
  ['bun', 'bun.lock', /^\[install\] running bun install .*--frozen-lockfile/],
  ['pnpm', 'pnpm-lock.yaml', /^\[install\] running pnpm install .*--frozen-lockfile/],
] as const)('a lockfile %s wrote', (name, lockfile, frozen) => {
  let registry: RegistryStandIn;
  const installers = createInstallers();
  let available = false;

  beforeAll(async () => {
    registry = await startRegistryStandIn([
      { name: 'dep', version: '1.0.0' },
      { name: 'dep', version: '1.1.0' },
      { name: '@s/sub', version: '2.0.0', dependencies: { dep: '^1.0.0' } },
    ]);
    available = await installers[name].available();
  });

  afterAll(async () => {
    await registry.close();
  });

  it('is accepted and installed from, frozen', async ({ skip }) => {
    skip(!available, `${name} is not available here`);
    const manifest = { dependencies: { dep: '1.0.0', '@s/sub': '^2.0.0', al: 'npm:dep@^1' } };
    const options = { order: [name], installers, settings: { registry: registry.url } };
    const first = await bench.pluginDir(manifest);
    await bench.install(first, options);

    const second = await bench.pluginDir(manifest);
    await copyFile(join(first, lockfile), join(second, lockfile));
    const { result, log } = await bench.install(second, options);

    expect(result.installer).toBe(name);
    expect(log.some((line) => frozen.test(line))).toBe(true);
    // The same versions as the install that wrote it (tools differ in how they dedupe `al`).
    const version = async (dir: string): Promise<unknown> =>
      (
        JSON.parse(await readFile(join(dir, 'node_modules/al/package.json'), 'utf8')) as {
          version: unknown;
        }
      ).version;
    expect(await version(second)).toBe(await version(first));
  });
});
