// The version shape: Semantic Versioning 2.0.0 as written, within what `semver` can compare.
import { describe, expect, it } from 'vitest';
import { semverSchema } from '../src/names.ts';

describe('semverSchema', () => {
  it('takes releases, pre-releases and build metadata', () => {
    for (const good of [
      '0.0.0',
      '1.2.3',
      '10.20.30',
      '1.0.0-rc.10',
      '1.0.0-beta-2',
      '1.0.0-0.3.7',
      '1.0.0-x-y-z.--',
      '1.0.0-alpha+001',
      '1.0.1+b',
      '1.0.0+21AF26D3----117B344092BD',
    ]) {
      expect(semverSchema.safeParse(good).success, good).toBe(true);
    }
  });

  it('refuses what the spec does not allow, and numbers semver cannot order', () => {
    for (const bad of [
      '1.0',
      '1.0.0.0',
      'v1.0.0',
      '=1.0.0',
      ' 1.0.0',
      '1.0.0 ',
      '01.0.0',
      '1.0.0-01',
      '1.0.0-',
      '1.0.0-a..b',
      '1.0.0-a.',
      '1.0.0+',
      '1.0.0+a..b',
      '1.0.0-rc_1',
      `1.0.${'9'.repeat(20)}`,
      `1.0.0-${'a'.repeat(300)}`,
    ]) {
      expect(semverSchema.safeParse(bad).success, bad).toBe(false);
    }
  });
});
