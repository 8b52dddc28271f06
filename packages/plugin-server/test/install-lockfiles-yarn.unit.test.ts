// The registry-only rule for yarn.lock (yarn 1 and 2+): each kind of non-registry entry is
// refused before any installer runs.
import { afterAll, beforeAll, describe, it } from 'vitest';
import {
  createInstallBench,
  NON_REGISTRY_SPECIFIERS,
  type InstallBench,
} from './fixtures/install-registry/install-helpers.ts';
import {
  NOT_A_REGISTRY_TARBALL,
  NOT_EXACT,
  type Case,
  YARN_V1,
  yarnEntry,
  BERRY,
  berryEntry,
  lockfileChecks,
} from './fixtures/install-registry/lockfiles.ts';

let bench: InstallBench;
const { expectRefused } = lockfileChecks(() => bench);

beforeAll(async () => {
  bench = await createInstallBench('install-lockfiles-yarn');
});

afterAll(async () => {
  await bench.remove();
});

describe('yarn.lock', () => {
  it.each<Case>([
    [
      'a github: descriptor',
      {
        'yarn.lock':
          YARN_V1 +
          yarnEntry(
            '"dep@github:owner/dep"',
            'https://codeload.github.com/owner/dep/tar.gz/0123abc',
          ),
      },
      'yarn.lock',
      'dep@github:owner/dep',
      /git repository/,
    ],
    [
      'a tarball on another host',
      {
        'yarn.lock':
          YARN_V1 + yarnEntry('dep@^1.0.0', 'https://example.com/dep/-/dep-1.0.0.tgz#abc'),
      },
      'yarn.lock',
      'dep@^1.0.0',
      NOT_A_REGISTRY_TARBALL,
    ],
    [
      'a file: descriptor',
      { 'yarn.lock': `${YARN_V1}"dep@file:./vendor/dep":\n  version "1.0.0"\n\n` },
      'yarn.lock',
      'dep@file:./vendor/dep',
      /it is a folder on disk/,
    ],
    [
      'a yarn 2+ URL resolution',
      {
        'yarn.lock': BERRY + berryEntry('dep@npm:^1.0.0', 'dep@https://example.com/dep-1.0.0.tgz'),
      },
      'yarn.lock',
      'dep@npm:^1.0.0',
      NOT_EXACT,
    ],
    [
      'a yarn 2+ patch',
      {
        'yarn.lock':
          BERRY +
          berryEntry('dep@patch:dep@npm%3A1.0.0#./p.patch', 'dep@patch:dep@npm%3A1.0.0#./p.patch'),
      },
      'yarn.lock',
      'dep@patch:dep@npm%3A1.0.0#./p.patch',
      /"patch:" specifier/,
    ],
    [
      'a yarn 2+ portal',
      { 'yarn.lock': BERRY + berryEntry('dep@portal:../dep', 'dep@portal:../dep') },
      'yarn.lock',
      'dep@portal:../dep',
      /"portal:" specifier/,
    ],
  ])('refuses %s', async (_, files, where, dependency, rule) => {
    await expectRefused(files, { where, dependency, rule });
  });
});

// The lockfile's own copy of the package's specifiers: every kind is refused there too.
describe('in yarn.lock', () => {
  it.each(NON_REGISTRY_SPECIFIERS)('refuses a %s specifier', async (_, spec, rule) => {
    await expectRefused(
      { 'yarn.lock': `${YARN_V1}${JSON.stringify(`dep@${spec}`)}:\n  version "1.0.0"\n\n` },
      {
        where: 'yarn.lock',
        dependency: `dep@${spec}`,
        rule,
      },
    );
  });
});
