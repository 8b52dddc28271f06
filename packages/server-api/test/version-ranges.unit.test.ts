// Which version a pinned workflow node runs on, the range a new node is pinned to, and what a
// rollback returns to.
import { describe, expect, it } from 'vitest';
import { defaultRange, highestSatisfying, isVersionRange, previousVersion } from '../src/index.ts';

describe('highestSatisfying', () => {
  const installed = ['1.0.0', '1.4.2', '2.0.0', '2.1.0-rc.1', '3.0.0-beta.1'];

  it('takes the highest version the range allows, never one of another major', () => {
    expect(highestSatisfying(installed, '^1')).toBe('1.4.2');
    expect(highestSatisfying(installed, '~1.0')).toBe('1.0.0');
    expect(highestSatisfying(installed, '^2')).toBe('2.0.0');
    expect(highestSatisfying(installed, '1.0.0')).toBe('1.0.0');
    expect(highestSatisfying(installed, '>=1 <2')).toBe('1.4.2');
  });

  it('takes a pre-release only when the range names one of its version', () => {
    expect(highestSatisfying(installed, '^3')).toBeUndefined();
    expect(highestSatisfying(installed, '^3.0.0-beta.1')).toBe('3.0.0-beta.1');
    expect(highestSatisfying(installed, '^2.1.0-rc.1')).toBe('2.1.0-rc.1');
  });

  it('answers undefined when nothing fits', () => {
    expect(highestSatisfying(installed, '^4')).toBeUndefined();
    expect(highestSatisfying([], '^1')).toBeUndefined();
  });
});

describe('isVersionRange', () => {
  it('accepts semver ranges and refuses anything else, or anything long', () => {
    for (const range of ['^1', '~1.2', '1.2.3', '>=1 <3', '1.x', '*']) {
      expect(isVersionRange(range), range).toBe(true);
    }
    for (const range of ['latest', '^one', '1.2.3.4', `^1${' '.repeat(70)}`]) {
      expect(isVersionRange(range), range).toBe(false);
    }
  });
});

describe('defaultRange', () => {
  it('pins to the major from 1.0.0 on, to the minor before, and exactly for 0.0.x', () => {
    expect(defaultRange('1.0.0')).toBe('^1');
    expect(defaultRange('2.7.1-rc.1')).toBe('^2');
    expect(defaultRange('0.3.4')).toBe('^0.3');
    expect(defaultRange('0.0.5')).toBe('0.0.5');
  });

  it('throws on something that is not a version', () => {
    expect(() => defaultRange('v1')).toThrow(TypeError);
  });
});

describe('previousVersion', () => {
  const v = (version: string, state: string) => ({ version, state });

  it('is the highest kept version below the current one', () => {
    expect(
      previousVersion([v('1.0.0', 'kept'), v('1.5.0', 'kept'), v('2.0.0', 'current')])?.version,
    ).toBe('1.5.0');
  });

  it('skips staged and rolled-back versions', () => {
    expect(
      previousVersion([
        v('1.0.0', 'kept'),
        v('1.5.0', 'rolled_back'),
        v('1.6.0', 'staged'),
        v('2.0.0', 'current'),
      ])?.version,
    ).toBe('1.0.0');
  });

  it('falls back to the highest kept one when the current version is the lowest', () => {
    expect(previousVersion([v('2.0.0', 'kept'), v('1.0.0', 'current')])?.version).toBe('2.0.0');
  });

  it('is undefined when nothing is kept', () => {
    expect(previousVersion([v('1.0.0', 'current'), v('2.0.0', 'rolled_back')])).toBeUndefined();
  });
});
