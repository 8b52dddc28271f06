// How installed versions move between states, and which are removed when too many are kept.
import { describe, expect, it } from 'vitest';
import type { Manifest } from '@plugboard/protocol';
import type { PluginVersionState } from '@plugboard/server-api';
import {
  currentOf,
  pruned,
  withCurrent,
  withInstalled,
  withRefused,
  withRolledBack,
  type VersionRecord,
} from '../src/plugins/version-states.ts';

const record = (version: string, state: PluginVersionState, day = 1): VersionRecord => ({
  version,
  state,
  folder: `/data/plugins/p/${version}`,
  source: { type: 'upload' },
  installedAt: `2026-01-${String(day).padStart(2, '0')}T00:00:00.000Z`,
  manifest: { id: 'p', version } as Manifest,
});
const states = (versions: readonly VersionRecord[]) =>
  versions.map((v) => `${v.version} ${v.state}`).sort();

describe('version states', () => {
  it('making a version current keeps the one before callable', () => {
    const next = withCurrent([record('1.0.0', 'current'), record('2.0.0', 'staged')], '2.0.0');
    expect(states(next)).toEqual(['1.0.0 kept', '2.0.0 current']);
    expect(currentOf(next)?.version).toBe('2.0.0');
  });

  it('installing a version again replaces its record', () => {
    const next = withInstalled([record('1.0.0', 'current')], record('1.0.0', 'staged', 2));
    expect(next).toHaveLength(1);
    expect(next[0]?.installedAt).toContain('2026-01-02');
  });

  it('a rollback marks every callable version above the target, and only those', () => {
    const next = withRolledBack(
      [
        record('1.0.0', 'kept'),
        record('1.5.0', 'kept'),
        record('2.0.0', 'current'),
        record('3.0.0', 'staged'),
      ],
      '1.0.0',
      'rolled back on request',
    );
    expect(states(next)).toEqual([
      '1.0.0 current',
      '1.5.0 rolled_back',
      '2.0.0 rolled_back',
      '3.0.0 staged',
    ]);
    expect(next.find((v) => v.version === '2.0.0')?.reason).toBe('rolled back on request');
  });

  it('a "rollback" to a higher version keeps the one it replaces callable', () => {
    const next = withRolledBack(
      [record('1.0.0', 'current'), record('2.0.0', 'rolled_back')],
      '2.0.0',
      'why',
    );
    expect(states(next)).toEqual(['1.0.0 kept', '2.0.0 current']);
  });

  it('a version refused as it is made current is marked with why', () => {
    const next = withRefused([record('1.0.0', 'current'), record('2.0.0', 'staged')], '2.0.0', 'x');
    expect(next.find((v) => v.version === '2.0.0')).toMatchObject({
      state: 'rolled_back',
      reason: 'x',
    });
  });
});

describe('pruned', () => {
  it('keeps the current one, then callable ones, then the newest installed', () => {
    const { kept, removed } = pruned(
      [
        record('1.0.0', 'kept', 1),
        record('2.0.0', 'rolled_back', 5),
        record('3.0.0', 'current', 2),
        record('4.0.0', 'staged', 6),
        record('5.0.0', 'rolled_back', 7),
      ],
      3,
    );
    expect(kept.map((v) => v.version)).toEqual(['3.0.0', '1.0.0', '4.0.0']);
    expect(removed.map((v) => v.version)).toEqual(['5.0.0', '2.0.0']);
  });

  it('never removes the version just installed, even when kept ones fill the count', () => {
    const { kept, removed } = pruned(
      [
        record('1.0.0', 'kept', 1),
        record('2.0.0', 'kept', 2),
        record('3.0.0', 'current', 3),
        record('4.0.0', 'staged', 4),
      ],
      3,
      '4.0.0',
    );
    expect(kept.map((v) => v.version)).toEqual(['4.0.0', '3.0.0', '2.0.0']);
    expect(removed.map((v) => v.version)).toEqual(['1.0.0']);
  });

  it('never removes the current version, whatever the number kept', () => {
    const { kept } = pruned([record('1.0.0', 'kept', 9), record('2.0.0', 'current', 1)], 0);
    expect(kept.map((v) => v.version)).toEqual(['2.0.0']);
  });
});
