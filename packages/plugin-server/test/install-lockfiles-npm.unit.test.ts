// The registry-only rule for package-lock.json and npm-shrinkwrap.json: each kind of
// non-registry entry is refused before any installer runs.
import { afterAll, beforeAll, describe, it } from 'vitest';
import {
  createInstallBench,
  NON_REGISTRY_SPECIFIERS,
  type InstallBench,
} from './fixtures/install-registry/install-helpers.ts';
import {
  NOT_A_REGISTRY_TARBALL,
  type Case,
  npmLock,
  dep,
  PACKAGES,
  lockfileChecks,
} from './fixtures/install-registry/lockfiles.ts';

let bench: InstallBench;
const { expectRefused } = lockfileChecks(() => bench);

beforeAll(async () => {
  bench = await createInstallBench('install-lockfiles-npm');
});

afterAll(async () => {
  await bench.remove();
});

describe('package-lock.json and npm-shrinkwrap.json', () => {
  it.each<Case>([
    [
      'git resolved',
      {
        'package-lock.json': npmLock(
          dep({ resolved: 'git+ssh://git@github.com/owner/dep.git#0123abc' }),
        ),
      },
      PACKAGES,
      'node_modules/dep',
      NOT_A_REGISTRY_TARBALL,
    ],
    [
      'another host',
      {
        'package-lock.json': npmLock(dep({ resolved: 'https://example.com/dep/-/dep-1.0.0.tgz' })),
      },
      PACKAGES,
      'node_modules/dep',
      NOT_A_REGISTRY_TARBALL,
    ],
    [
      'an unconfigured loopback registry',
      { 'package-lock.json': npmLock(dep({ resolved: 'http://127.0.0.1:9/dep/-/dep-1.0.0.tgz' })) },
      PACKAGES,
      'node_modules/dep',
      NOT_A_REGISTRY_TARBALL,
    ],
    [
      'a look-alike host',
      {
        'package-lock.json': npmLock(
          dep({ resolved: 'https://registry.npmjs.org.example.com/dep/-/dep-1.0.0.tgz' }),
        ),
      },
      PACKAGES,
      'node_modules/dep',
      NOT_A_REGISTRY_TARBALL,
    ],
    [
      'the registry, but no tarball',
      { 'package-lock.json': npmLock(dep({ resolved: 'https://registry.npmjs.org/dep' })) },
      PACKAGES,
      'node_modules/dep',
      NOT_A_REGISTRY_TARBALL,
    ],
    [
      'a tarball file',
      { 'package-lock.json': npmLock(dep({ resolved: 'file:dep-1.0.0.tgz' })) },
      PACKAGES,
      'node_modules/dep',
      NOT_A_REGISTRY_TARBALL,
    ],
    [
      'link: true',
      {
        'package-lock.json': npmLock({
          'node_modules/dep': { resolved: 'vendor/dep', link: true },
        }),
      },
      PACKAGES,
      'node_modules/dep',
      /it is a link to a folder/,
    ],
    [
      'a key outside node_modules',
      { 'package-lock.json': npmLock({ 'vendor/dep': { version: '1.0.0' } }) },
      PACKAGES,
      'vendor/dep',
      /outside node_modules/,
    ],
    [
      'a key climbing out',
      { 'package-lock.json': npmLock({ 'node_modules/../dep': { version: '1.0.0' } }) },
      PACKAGES,
      'node_modules/../dep',
      /outside node_modules/,
    ],
    [
      'a git version',
      { 'package-lock.json': npmLock(dep({ version: 'github:owner/dep' })) },
      PACKAGES,
      'node_modules/dep',
      /its version is not an exact registry version/,
    ],
    [
      'the root copy with github:',
      { 'package-lock.json': npmLock({ '': { dependencies: { dep: 'github:owner/dep' } } }) },
      'package-lock.json packages[""].dependencies',
      'dep',
      /git repository/,
    ],
    [
      'v1 with a git version',
      {
        'package-lock.json': {
          lockfileVersion: 1,
          dependencies: { dep: { version: 'github:owner/dep#0123abc' } },
        },
      },
      'package-lock.json dependencies',
      'dep',
      /git repository/,
    ],
    [
      'v1 with a nested URL',
      {
        'package-lock.json': {
          lockfileVersion: 1,
          dependencies: {
            a: {
              version: '1.0.0',
              resolved: 'https://registry.npmjs.org/a/-/a-1.0.0.tgz',
              dependencies: { dep: { version: '1.0.0', resolved: 'https://example.com/dep.tgz' } },
            },
          },
        },
      },
      'package-lock.json dependencies["a"].dependencies',
      'dep',
      NOT_A_REGISTRY_TARBALL,
    ],
    [
      'a shrinkwrap with another host',
      {
        'npm-shrinkwrap.json': npmLock(
          dep({ resolved: 'https://example.com/dep/-/dep-1.0.0.tgz' }),
        ),
      },
      'npm-shrinkwrap.json packages',
      'node_modules/dep',
      NOT_A_REGISTRY_TARBALL,
    ],
  ])('refuses %s', async (_, files, where, dependency, rule) => {
    await expectRefused(files, { where, dependency, rule });
  });
});

// The lockfile's own copy of the package's specifiers: every kind is refused there too.
describe('in package-lock.json packages[""].dependencies', () => {
  it.each(NON_REGISTRY_SPECIFIERS)('refuses a %s specifier', async (_, spec, rule) => {
    await expectRefused(
      { 'package-lock.json': npmLock({ '': { dependencies: { dep: spec } } }) },
      {
        where: 'package-lock.json packages[""].dependencies',
        dependency: 'dep',
        rule,
      },
    );
  });
});
