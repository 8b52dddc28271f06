// Version order and "latest": the rule the platform's listing and the Plugin Server's install share.
import { describe, expect, it } from 'vitest';
import { compareVersions, latestVersion, marketplaceIndexSchema } from '../src/index.ts';

const sorted = (versions: string[]) => [...versions].sort(compareVersions);

describe('compareVersions', () => {
  it('compares pre-release numbers as numbers: rc.10 is after rc.9', () => {
    expect(compareVersions('1.0.0-rc.10', '1.0.0-rc.9')).toBeGreaterThan(0);
    expect(sorted(['1.0.0-rc.10', '1.0.0-rc.9', '1.0.0-rc.2'])).toEqual([
      '1.0.0-rc.2',
      '1.0.0-rc.9',
      '1.0.0-rc.10',
    ]);
  });

  it('reads past the pre-release: 1.0.1+b is after 1.0.0, beta-2 after beta-1', () => {
    expect(compareVersions('1.0.1+b', '1.0.0')).toBeGreaterThan(0);
    expect(compareVersions('1.0.0-beta-2', '1.0.0-beta-1')).toBeGreaterThan(0);
    expect(compareVersions('1.0.0-beta-1', '1.0.0-beta-2')).toBeLessThan(0);
  });

  it('puts a pre-release before its release, and after the release before it', () => {
    expect(sorted(['1.0.0', '1.0.0-rc.1', '0.9.9', '1.0.0-alpha', '1.0.0-alpha.1'])).toEqual([
      '0.9.9',
      '1.0.0-alpha',
      '1.0.0-alpha.1',
      '1.0.0-rc.1',
      '1.0.0',
    ]);
  });

  it('compares numbers as numbers, not text: 1.10.0 is after 1.9.0', () => {
    expect(sorted(['1.10.0', '1.9.0', '1.2.0'])).toEqual(['1.2.0', '1.9.0', '1.10.0']);
  });

  it('orders versions equal but for build metadata by it, so no listing order decides', () => {
    expect(compareVersions('1.0.1+a', '1.0.1+b')).toBeLessThan(0);
    expect(compareVersions('1.0.1', '1.0.1+a')).toBeLessThan(0);
    expect(compareVersions('1.0.1+build.2', '1.0.1+build.10')).toBeLessThan(0);
    expect(compareVersions('1.0.1+a', '1.0.1+a')).toBe(0);
    expect(sorted(['1.0.1+b', '1.0.1', '1.0.1+a'])).toEqual(['1.0.1', '1.0.1+a', '1.0.1+b']);
  });

  it('refuses what is not a semantic version', () => {
    for (const bad of ['1.0', 'v1.0.0', ' 1.0.0', '1.0.0-01', '1.0.0-a..b', '1.0.0+', 'latest']) {
      expect(() => compareVersions(bad, '1.0.0'), bad).toThrow(TypeError);
      expect(() => compareVersions('1.0.0', bad), bad).toThrow(/not a semantic version/);
    }
  });
});

describe('latestVersion', () => {
  it('is the highest release, wherever the list has it', () => {
    expect(latestVersion(['1.10.0', '1.2.0', '1.9.0'])).toBe('1.10.0');
    expect(latestVersion(['1.0.0', '1.0.1+b', '0.9.0'])).toBe('1.0.1+b');
  });

  it('skips pre-releases, even of a higher version', () => {
    expect(latestVersion(['1.0.0', '2.0.0-rc.1', '1.1.0-beta.3'])).toBe('1.0.0');
  });

  it('includes pre-releases when asked', () => {
    const versions = ['1.0.0', '2.0.0-rc.9', '2.0.0-rc.10', '1.1.0'];
    expect(latestVersion(versions, { includePrerelease: true })).toBe('2.0.0-rc.10');
    expect(latestVersion(['2.0.0', '2.0.0-rc.1'], { includePrerelease: true })).toBe('2.0.0');
  });

  it('is the highest pre-release when there are only pre-releases', () => {
    expect(latestVersion(['1.0.0-beta-1', '1.0.0-beta-2', '1.0.0-alpha'])).toBe('1.0.0-beta-2');
  });

  it('picks the same one of versions equal but for build metadata in any order', () => {
    expect(latestVersion(['1.0.1+a', '1.0.1+b'])).toBe('1.0.1+b');
    expect(latestVersion(['1.0.1+b', '1.0.1+a'])).toBe('1.0.1+b');
  });

  it('is undefined for no versions, and refuses one that is not a version', () => {
    expect(latestVersion([])).toBeUndefined();
    expect(() => latestVersion(['1.0.0', 'banana'])).toThrow(/"banana" is not a semantic version/);
  });
});

describe('the marketplace index', () => {
  const withVersion = (version: string) => ({
    formatVersion: 1,
    plugins: [
      {
        name: 'text-tools',
        versions: [
          {
            version,
            source: { type: 'git', url: 'https://example.com/t.git', commit: 'a'.repeat(40) },
          },
        ],
      },
    ],
  });

  it('takes only semantic versions, so every one of them can be ordered', () => {
    expect(marketplaceIndexSchema.safeParse(withVersion('1.0.0-rc.1+build.5')).success).toBe(true);
    for (const bad of ['1.0', 'v1.0.0', 'latest', '1.0.0-01', `1.0.${'9'.repeat(20)}`]) {
      expect(marketplaceIndexSchema.safeParse(withVersion(bad)).success, bad).toBe(false);
    }
  });
});
