// The registry-only rule for package.json: every kind of non-registry specifier is refused in
// every place it can appear, before any installer runs; registry specifiers still install.
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createInstallers, type InstallerName } from '../src/install/installer.ts';
import {
  createInstallBench,
  expectRegistryRefusal,
  failure,
  NON_REGISTRY_SPECIFIERS,
  recordingInstallers,
  type InstallBench,
} from './fixtures/install-registry/install-helpers.ts';
import {
  startRegistryStandIn,
  type RegistryStandIn,
} from './fixtures/install-registry/registry-stand-in.ts';

/** Each place a specifier can appear in package.json: the manifest, and the refusal's place. */
const PLACES: readonly (readonly [
  where: string,
  manifest: (spec: string) => object,
  dependency: string,
])[] = [
  ['package.json dependencies', (spec) => ({ dependencies: { dep: spec } }), 'dep'],
  ['package.json devDependencies', (spec) => ({ devDependencies: { dep: spec } }), 'dep'],
  ['package.json peerDependencies', (spec) => ({ peerDependencies: { dep: spec } }), 'dep'],
  ['package.json optionalDependencies', (spec) => ({ optionalDependencies: { dep: spec } }), 'dep'],
  ['package.json overrides', (spec) => ({ overrides: { dep: spec } }), 'dep'],
  ['package.json overrides', (spec) => ({ overrides: { parent: { dep: spec } } }), 'dep'],
  ['package.json resolutions', (spec) => ({ resolutions: { '**/dep': spec } }), '**/dep'],
  ['package.json pnpm.overrides', (spec) => ({ pnpm: { overrides: { 'a>dep': spec } } }), 'a>dep'],
  [
    'package.json pnpm.packageExtensions["host@1"].dependencies',
    (spec) => ({ pnpm: { packageExtensions: { 'host@1': { dependencies: { dep: spec } } } } }),
    'dep',
  ],
];

let bench: InstallBench;

beforeAll(async () => {
  bench = await createInstallBench('install-specifiers');
});

afterAll(async () => {
  await bench.remove();
});

describe.each(PLACES)('in %s', (where, manifest, dependency) => {
  it.each(NON_REGISTRY_SPECIFIERS)(
    'refuses a %s specifier before any installer runs',
    async (_, spec, rule) => {
      const { installers, spawned } = recordingInstallers();
      const dir = await bench.pluginDir({
        dependencies: { 'is-number': '7.0.0' },
        ...manifest(spec),
      });
      const error = await failure(bench.install(dir, { installers }));

      expectRegistryRefusal(error, { where, dependency, rule });
      expect(error.message).toContain(JSON.stringify(spec));
      expect(spawned).toEqual([]);
      expect(existsSync(join(dir, 'node_modules'))).toBe(false);
    },
  );
});

describe('package.json fields that ship or patch code', () => {
  it.each([
    ['bundleDependencies', { bundleDependencies: ['is-number'] }, /bundled dependencies ship/],
    ['bundleDependencies', { bundleDependencies: true }, /bundled dependencies ship/],
    ['bundledDependencies', { bundledDependencies: ['is-number'] }, /bundled dependencies ship/],
    ['workspaces', { workspaces: ['packages/*'] }, /workspaces install packages from folders/],
    ['workspaces', { workspaces: { packages: ['lib'] } }, /workspaces install packages/],
    ['patchedDependencies', { patchedDependencies: { 'is-number@7.0.0': 'p.patch' } }, /patches/],
    [
      'pnpm.patchedDependencies',
      { pnpm: { patchedDependencies: { 'is-number@7.0.0': 'p.patch' } } },
      /patches change the code of registry packages/,
    ],
  ] as const)('refuses %s (%j)', async (field, fields, problem) => {
    const { installers, spawned } = recordingInstallers();
    const dir = await bench.pluginDir({ dependencies: { 'is-number': '7.0.0' }, ...fields });
    const error = await failure(bench.install(dir, { installers }));

    expect(error.code).toBe('PSRV_PACKAGE_INVALID');
    expect(error.message).toMatch(new RegExp(`^package\\.json ${field.replace('.', '\\.')}: `));
    expect(error.message).toMatch(problem);
    expect(error.message).toMatch(/; remove /);
    expect(spawned).toEqual([]);
  });

  it('refuses a dependency whose name is not a package name', async () => {
    const { installers } = recordingInstallers();
    const dir = await bench.pluginDir({ dependencies: { '../escape': '1.0.0' } });
    const error = await failure(bench.install(dir, { installers }));

    expectRegistryRefusal(error, {
      where: 'package.json dependencies',
      dependency: '../escape',
      rule: /its name is not a valid package name/,
    });
  });
});

describe('registry specifiers', () => {
  it('accepts them in every place, with $references, removals and @plugboard/* as is', async () => {
    const { installers, spawned } = recordingInstallers();
    const dir = await bench.pluginDir({
      dependencies: {
        a: '^1.2.0',
        b: '1.2.3',
        c: 'latest',
        d: 'npm:other@^1',
        e: '>=1.0.0 <2',
        '@plugboard/sdk': 'file:../sdk',
      },
      devDependencies: { '@plugboard/cli': 'workspace:*', typescript: '~6.0.0' },
      peerDependencies: { f: '*' },
      overrides: { a: '$a', g: { '.': '1.0.0', h: 'npm:other@1.0.0' }, 'i@^1': '1.2.3' },
      resolutions: { '**/b': '1.2.3', '@s/x/**/@s/y': '^2' },
      pnpm: { overrides: { 'x>b': '-', 'c@<2': '^2.0.0' } },
      bundleDependencies: [],
      workspaces: [],
    });
    const { result } = await bench.install(dir, { installers });

    expect(result).toMatchObject({ installer: 'npm', skipped: false });
    expect(spawned).toEqual(['npm']);
    const manifest = JSON.parse(await readFile(join(dir, 'package.json'), 'utf8')) as {
      dependencies: Record<string, string>;
    };
    expect(Object.keys(manifest.dependencies)).not.toContain('@plugboard/sdk');
  });
});

// Real installs against a registry stand-in on loopback: registry specifiers of every kind still
// install with each tool, and the checks add nothing that breaks them.
describe.each(['bun', 'npm', 'pnpm'] as const)('installing registry specifiers with %s', (name) => {
  let registry: RegistryStandIn;
  const installers = createInstallers();
  const available: Partial<Record<InstallerName, boolean>> = {};

  beforeAll(async () => {
    registry = await startRegistryStandIn([
      { name: 'ranged', version: '1.2.0' },
      { name: 'ranged', version: '1.4.1' },
      { name: 'ranged', version: '2.0.0' },
      { name: 'exact', version: '1.2.3' },
      { name: 'exact', version: '1.2.4' },
      { name: 'tagged', version: '3.1.0' },
      { name: 'other', version: '1.5.0' },
    ]);
    available[name] = await installers[name].available();
  });

  afterAll(async () => {
    await registry.close();
  });

  it('installs ^1.2.0, 1.2.3, latest and npm:other@^1', async ({ skip }) => {
    skip(available[name] !== true, `${name} is not available here`);
    const dir = await bench.pluginDir({
      dependencies: {
        '@plugboard/sdk': '0.1.0',
        ranged: '^1.2.0',
        exact: '1.2.3',
        tagged: 'latest',
        aliased: 'npm:other@^1',
      },
    });
    const { result } = await bench.install(dir, {
      order: [name],
      installers,
      settings: { registry: registry.url },
    });

    expect(result).toMatchObject({ installer: name, skipped: false });
    const installed = async (dep: string): Promise<{ name: string; version: string }> =>
      JSON.parse(await readFile(join(dir, 'node_modules', dep, 'package.json'), 'utf8')) as {
        name: string;
        version: string;
      };
    expect(await installed('ranged')).toMatchObject({ version: '1.4.1' });
    expect(await installed('exact')).toMatchObject({ version: '1.2.3' });
    expect(await installed('tagged')).toMatchObject({ version: '3.1.0' });
    expect(await installed('aliased')).toMatchObject({ name: 'other', version: '1.5.0' });
    expect(registry.requests).toContain('GET /other');
  });
});
