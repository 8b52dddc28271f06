// The registry-only rule for pnpm-lock.yaml: each kind of non-registry entry is refused
// before any installer runs.
import { afterAll, beforeAll, describe, it } from 'vitest';
import { stringify } from 'yaml';
import {
  createInstallBench,
  NON_REGISTRY_SPECIFIERS,
  type InstallBench,
} from './fixtures/install-registry/install-helpers.ts';
import {
  INTEGRITY,
  NOT_A_REGISTRY_TARBALL,
  NOT_EXACT,
  type Case,
  pnpmLock,
  importer,
  IMPORTER,
  lockfileChecks,
} from './fixtures/install-registry/lockfiles.ts';

let bench: InstallBench;
const { expectRefused, expectFieldRefused } = lockfileChecks(() => bench);

beforeAll(async () => {
  bench = await createInstallBench('install-lockfiles-pnpm');
});

afterAll(async () => {
  await bench.remove();
});

describe('pnpm-lock.yaml', () => {
  it.each<Case>([
    [
      'a github: specifier',
      {
        'pnpm-lock.yaml': pnpmLock({
          importers: importer({ specifier: 'github:owner/dep', version: '1.0.0' }),
        }),
      },
      IMPORTER,
      'dep',
      /git repository/,
    ],
    [
      'a link: version',
      {
        'pnpm-lock.yaml': pnpmLock({
          importers: importer({ specifier: '^1.0.0', version: 'link:../dep' }),
        }),
      },
      IMPORTER,
      'dep',
      NOT_EXACT,
    ],
    [
      'a file: version',
      {
        'pnpm-lock.yaml': pnpmLock({
          importers: importer({ specifier: '^1.0.0', version: 'file:vendor/dep' }),
        }),
      },
      IMPORTER,
      'dep',
      NOT_EXACT,
    ],
    [
      'a URL version',
      {
        'pnpm-lock.yaml': pnpmLock({
          importers: importer({
            specifier: '^1.0.0',
            version: 'https://codeload.github.com/owner/dep/tar.gz/0123abc',
          }),
        }),
      },
      IMPORTER,
      'dep',
      NOT_EXACT,
    ],
    [
      'a tarball on another host',
      {
        'pnpm-lock.yaml': pnpmLock({
          packages: {
            'dep@1.0.0': { resolution: { tarball: 'https://example.com/dep-1.0.0.tgz' } },
          },
        }),
      },
      'pnpm-lock.yaml packages',
      'dep@1.0.0',
      NOT_A_REGISTRY_TARBALL,
    ],
    [
      'a directory resolution',
      {
        'pnpm-lock.yaml': pnpmLock({
          packages: { 'dep@1.0.0': { resolution: { directory: 'vendor/dep', type: 'directory' } } },
        }),
      },
      'pnpm-lock.yaml packages',
      'dep@1.0.0',
      /it resolves to a folder/,
    ],
    [
      'a git resolution',
      {
        'pnpm-lock.yaml': pnpmLock({
          packages: {
            'dep@1.0.0': {
              resolution: {
                commit: '0123abc',
                repo: 'https://github.com/owner/dep.git',
                type: 'git',
              },
            },
          },
        }),
      },
      'pnpm-lock.yaml packages',
      'dep@1.0.0',
      /it resolves to a git repository/,
    ],
    [
      'a file: package key',
      {
        'pnpm-lock.yaml': pnpmLock({
          packages: { 'dep@file:vendor/dep': { resolution: { integrity: INTEGRITY } } },
        }),
      },
      'pnpm-lock.yaml packages',
      'dep@file:vendor/dep',
      NOT_EXACT,
    ],
    [
      'a linked snapshot dependency',
      {
        'pnpm-lock.yaml': pnpmLock({
          snapshots: { 'dep@1.0.0': { dependencies: { sub: 'link:../sub' } } },
        }),
      },
      'pnpm-lock.yaml snapshots["dep@1.0.0"].dependencies',
      'sub',
      NOT_EXACT,
    ],
    [
      'a git override',
      { 'pnpm-lock.yaml': pnpmLock({ overrides: { dep: 'github:owner/dep' } }) },
      'pnpm-lock.yaml overrides',
      'dep',
      /git repository/,
    ],
    [
      'a v5 file: specifier',
      {
        'pnpm-lock.yaml': stringify({
          lockfileVersion: 5.4,
          specifiers: { dep: 'file:vendor/dep' },
          dependencies: { dep: 'file:vendor/dep' },
        }),
      },
      'pnpm-lock.yaml dependencies',
      'dep',
      NOT_EXACT,
    ],
  ])('refuses %s', async (_, files, where, dependency, rule) => {
    await expectRefused(files, { where, dependency, rule });
  });

  it.each([
    [
      'another importer',
      { 'pnpm-lock.yaml': pnpmLock({ importers: { '.': {}, 'packages/x': {} } }) },
      /^pnpm-lock\.yaml importers: lists the workspace project "packages\/x"/,
    ],
    [
      'patches',
      {
        'pnpm-lock.yaml': pnpmLock({
          patchedDependencies: { dep: { path: 'p.patch', hash: 'x' } },
        }),
      },
      /^pnpm-lock\.yaml patchedDependencies: patches change the code/,
    ],
    [
      'unreadable YAML',
      { 'pnpm-lock.yaml': 'importers: {\n  ".": [\n' },
      /^pnpm-lock\.yaml is not valid YAML; regenerate it$/,
    ],
  ])('refuses %s', async (_, files, message) => {
    await expectFieldRefused(files, message);
  });
});

// The lockfile's own copy of the package's specifiers: every kind is refused there too.
describe('in pnpm-lock.yaml importers["."].dependencies', () => {
  it.each(NON_REGISTRY_SPECIFIERS)('refuses a %s specifier', async (_, spec, rule) => {
    await expectRefused(
      {
        'pnpm-lock.yaml': pnpmLock({ importers: importer({ specifier: spec, version: '1.0.0' }) }),
      },
      {
        where: 'pnpm-lock.yaml importers["."].dependencies',
        dependency: 'dep',
        rule,
      },
    );
  });
});
