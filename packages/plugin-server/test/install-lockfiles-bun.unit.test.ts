// The registry-only rule for bun.lock (and bun.lockb, which cannot be checked): each kind of
// non-registry entry is refused before any installer runs.
import { afterAll, beforeAll, describe, it } from 'vitest';
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
  bunLock,
  REGISTRY_ENTRY,
  lockfileChecks,
} from './fixtures/install-registry/lockfiles.ts';

let bench: InstallBench;
const { expectRefused, expectFieldRefused } = lockfileChecks(() => bench);

beforeAll(async () => {
  bench = await createInstallBench('install-lockfiles-bun');
});

afterAll(async () => {
  await bench.remove();
});

describe('bun.lock and bun.lockb', () => {
  it.each<Case>([
    [
      'a git package',
      { 'bun.lock': bunLock({ dep: ['dep@github:owner/dep#0123abc', {}, 'owner-dep-0123abc'] }) },
      'bun.lock packages',
      'dep',
      NOT_EXACT,
    ],
    [
      'a tarball URL',
      { 'bun.lock': bunLock({ dep: ['dep@https://example.com/dep-1.0.0.tgz', {}] }) },
      'bun.lock packages',
      'dep',
      NOT_EXACT,
    ],
    [
      'a folder',
      { 'bun.lock': bunLock({ dep: ['dep@file:vendor/dep', {}] }) },
      'bun.lock packages',
      'dep',
      NOT_EXACT,
    ],
    [
      'a link',
      { 'bun.lock': bunLock({ dep: ['dep@link:vendor/dep', {}] }) },
      'bun.lock packages',
      'dep',
      NOT_EXACT,
    ],
    [
      'a workspace package',
      { 'bun.lock': bunLock({ dep: ['dep@workspace:packages/dep', {}] }) },
      'bun.lock packages',
      'dep',
      NOT_EXACT,
    ],
    [
      'an alias of a @plugboard/* folder',
      { 'bun.lock': bunLock({ dep: ['@plugboard/sdk@file:../sdk', {}] }) },
      'bun.lock packages',
      'dep',
      NOT_EXACT,
    ],
    [
      'a registry version from another host',
      {
        'bun.lock': bunLock({
          dep: ['dep@1.0.0', 'https://example.com/dep/-/dep-1.0.0.tgz', {}, INTEGRITY],
        }),
      },
      'bun.lock packages',
      'dep',
      NOT_A_REGISTRY_TARBALL,
    ],
    [
      'a github: root specifier',
      {
        'bun.lock': bunLock(
          { dep: REGISTRY_ENTRY },
          { workspaces: { '': { dependencies: { dep: 'github:owner/dep' } } } },
        ),
      },
      'bun.lock workspaces[""].dependencies',
      'dep',
      /git repository/,
    ],
    [
      'a git override',
      {
        'bun.lock': bunLock(
          { dep: REGISTRY_ENTRY },
          { overrides: { dep: 'git+https://github.com/owner/dep.git' } },
        ),
      },
      'bun.lock overrides',
      'dep',
      /git repository/,
    ],
  ])('refuses %s', async (_, files, where, dependency, rule) => {
    await expectRefused(files, { where, dependency, rule });
  });

  it.each([
    [
      'another workspace',
      { 'bun.lock': bunLock({}, { workspaces: { '': {}, 'packages/x': { name: 'x' } } }) },
      /^bun\.lock workspaces: lists the workspace "packages\/x"/,
    ],
    [
      'patches',
      { 'bun.lock': bunLock({}, { patchedDependencies: { 'dep@1.0.0': 'patches/dep.patch' } }) },
      /^bun\.lock patchedDependencies: patches change the code/,
    ],
    [
      'an unreadable bun.lock',
      { 'bun.lock': '{ "lockfileVersion": 1, "packages": { "dep": [' },
      /^bun\.lock cannot be read .*; regenerate it with bun install, or delete it$/,
    ],
    [
      'bun.lockb',
      { 'bun.lockb': '#!/usr/bin/env bun\nbun-lockfile-format-v0\n' },
      /^bun\.lockb is a binary lockfile whose sources cannot be checked; commit a text bun\.lock instead/,
    ],
  ])('refuses %s', async (_, files, message) => {
    await expectFieldRefused(files, message);
  });
});

// The lockfile's own copy of the package's specifiers: every kind is refused there too.
describe('in bun.lock workspaces[""].dependencies', () => {
  it.each(NON_REGISTRY_SPECIFIERS)('refuses a %s specifier', async (_, spec, rule) => {
    await expectRefused(
      { 'bun.lock': bunLock({}, { workspaces: { '': { dependencies: { dep: spec } } } }) },
      {
        where: 'bun.lock workspaces[""].dependencies',
        dependency: 'dep',
        rule,
      },
    );
  });
});
