// The pure parts of the plugin version commands, in-process: which version a command means, what
// an update's impact looks like as text, the versions table, and the source and timeout flags.
import { describe, expect, it } from 'vitest';
import type { PluginRecordView, UpdateImpact } from '@plugboard/platform-api';
import { sourceKind } from '../../src/operator/plugin-source.ts';
import {
  activationFailure,
  currentVersion,
  failedSince,
  installEnded,
  rollbackTarget,
  runsOn,
  stagedVersion,
} from '../../src/operator/plugin-version-picks.ts';
import {
  formatImpact,
  formatUpgrade,
  formatVersions,
} from '../../src/operator/plugin-versions-text.ts';
import { timeoutMs } from '../../src/operator/plugin-wait.ts';

type Entry = PluginRecordView['versions'][number];

const entry = (version: string, state: Entry['state'], more: Partial<Entry> = {}): Entry => ({
  version,
  state,
  running: state === 'current',
  installedAt: `2026-12-06T14:00:0${String(version.length % 10)}.000Z`,
  nodes: [`acme.text/upper`],
  ...more,
});

const record = (versions: Entry[], more: Partial<PluginRecordView> = {}): PluginRecordView => ({
  id: 'acme.text',
  status: 'running',
  source: { type: 'upload' },
  config: {},
  restarts: 0,
  nodes: [],
  asks: [],
  grant: {},
  versions,
  createdAt: '2026-12-06T14:00:00.000Z',
  updatedAt: '2026-12-06T14:00:00.000Z',
  ...more,
});

describe('which version a command means', () => {
  it('the current version is the one listed current', () => {
    expect(currentVersion([entry('2.0.0', 'staged'), entry('1.0.0', 'current')])).toBe('1.0.0');
    expect(currentVersion([entry('2.0.0', 'staged')])).toBeUndefined();
  });

  it('the staged version is the one asked for once listed staged', () => {
    const now = [entry('2.0.0', 'staged'), entry('1.0.0', 'current')];
    expect(stagedVersion([], now, '2.0.0')).toBe('2.0.0');
    expect(stagedVersion([], now, '1.0.0')).toBeUndefined();
    expect(stagedVersion([], [entry('1.0.0', 'current')], '2.0.0')).toBeUndefined();
  });

  it('without a version asked for, the newest staged entry that was not there before', () => {
    const old = entry('1.5.0', 'staged', { installedAt: '2026-12-06T13:00:00.000Z' });
    const before = [old, entry('1.0.0', 'current')];
    expect(stagedVersion(before, before)).toBeUndefined();
    const now = [
      entry('2.1.0', 'staged', { installedAt: '2026-12-06T14:05:00.000Z' }),
      entry('2.0.0', 'staged', { installedAt: '2026-12-06T14:04:00.000Z' }),
      old,
      entry('1.0.0', 'current'),
    ];
    expect(stagedVersion(before, now)).toBe('2.1.0');
    // The same version staged again (installed anew) counts as new.
    const again = [{ ...old, installedAt: '2026-12-06T14:06:00.000Z' }, entry('1.0.0', 'current')];
    expect(stagedVersion(before, again)).toBe('1.5.0');
  });

  it('a rollback goes to the highest kept version below the current one, else the highest kept', () => {
    expect(
      rollbackTarget([
        entry('3.0.0', 'kept'),
        entry('2.1.0', 'current'),
        entry('2.0.0', 'rolled_back'),
        entry('1.10.0', 'kept'),
        entry('1.9.0', 'kept'),
        entry('1.2.0', 'staged'),
      ]),
    ).toBe('1.10.0');
    // The current version was itself a downgrade: back up to the highest kept.
    expect(rollbackTarget([entry('3.0.0', 'kept'), entry('2.0.0', 'current')])).toBe('3.0.0');
    expect(rollbackTarget([entry('2.0.0', 'current'), entry('1.0.0', 'rolled_back')])).toBe(
      undefined,
    );
    expect(rollbackTarget([entry('1.0.0', 'current'), entry('1.0.0-rc.1', 'kept')])).toBe(
      '1.0.0-rc.1',
    );
  });

  it('runs on a version once it is current and the plugin runs', () => {
    const versions = [entry('2.0.0', 'current'), entry('1.0.0', 'kept')];
    expect(runsOn(record(versions), '2.0.0')).toBe(true);
    expect(runsOn(record(versions), '1.0.0')).toBe(false);
    expect(runsOn(record(versions, { status: 'restarting' }), '2.0.0')).toBe(false);
  });
});

describe('whether a version made current failed', () => {
  const staged = record([entry('2.0.0', 'staged'), entry('1.0.0', 'current')]);

  it('not while it is on its way', () => {
    expect(activationFailure(staged, staged, '2.0.0')).toBeUndefined();
    const restarting = record([entry('2.0.0', 'current'), entry('1.0.0', 'kept')], {
      status: 'restarting',
    });
    expect(activationFailure(staged, restarting, '2.0.0')).toBeUndefined();
  });

  it('the Plugin Server rolled it back: its entry says why', () => {
    const back = record([
      entry('2.0.0', 'rolled_back', { reason: 'it exited with code 1 at start' }),
      entry('1.0.0', 'current'),
    ]);
    expect(activationFailure(staged, back, '2.0.0')).toBe(
      '2.0.0 was rolled back: it exited with code 1 at start',
    );
  });

  it('a version rolled back before fails only when rolled back anew (another reason)', () => {
    const before = record([
      entry('2.0.0', 'rolled_back', { reason: 'by the operator' }),
      entry('1.0.0', 'current'),
    ]);
    expect(activationFailure(before, before, '2.0.0')).toBeUndefined();
    const again = record([
      entry('2.0.0', 'rolled_back', { reason: 'health check failed' }),
      entry('1.0.0', 'current'),
    ]);
    expect(activationFailure(before, again, '2.0.0')).toBe(
      '2.0.0 was rolled back: health check failed',
    );
  });

  it('an install ended when the record settled again after changing', () => {
    const installing = record(staged.versions, { status: 'installing' });
    expect(installEnded(staged, staged)).toBe(false);
    expect(installEnded(staged, installing)).toBe(false);
    expect(installEnded(staged, { ...staged, reason: 'the install failed' })).toBe(true);
    expect(installEnded(staged, { ...staged, updatedAt: '2026-12-06T14:00:09.000Z' })).toBe(true);
    expect(installEnded(installing, { ...staged, status: 'missing_config' })).toBe(true);
  });

  it('the plugin reached error since, or a new error', () => {
    const failed = record(staged.versions, { status: 'error', reason: 'out of memory' });
    expect(failedSince(staged, failed)).toBe(true);
    expect(activationFailure(staged, failed, '2.0.0')).toBe(
      'plugin "acme.text" failed: out of memory',
    );
    expect(failedSince(failed, failed)).toBe(false);
    expect(failedSince(failed, { ...failed, reason: 'crashed' })).toBe(true);
  });
});

const impact: UpdateImpact = {
  pluginId: 'acme.text',
  fromVersion: '1.4.0',
  toVersion: '2.0.0',
  changes: [
    {
      kind: 'input_removed',
      severity: 'breaking',
      node: 'upper',
      message: 'input "text" was removed',
    },
    {
      kind: 'output_changed',
      severity: 'possibly_breaking',
      node: 'lower',
      message: 'output "text" changed type',
    },
  ],
  operator: [
    { kind: 'config_required', severity: 'breaking', message: 'config "locale" is now required' },
  ],
  workflows: [
    {
      id: 'wf_1',
      name: 'loud greeting',
      nodes: [
        {
          nodeId: 'shout',
          type: 'acme.text/upper',
          runsOn: '1.4.0',
          moves: true,
          changes: [
            {
              kind: 'input_removed',
              severity: 'breaking',
              node: 'upper',
              message: 'input "text" was removed',
              reason: 'the node maps "text" from node name',
            },
          ],
        },
        {
          nodeId: 'quiet',
          type: 'acme.text/lower@~1.4',
          runsOn: '1.4.0',
          moves: false,
          changes: [
            {
              kind: 'output_changed',
              severity: 'possibly_breaking',
              node: 'lower',
              message: 'output "text" changed type',
              reason: 'node "greet" reads "text"',
            },
          ],
        },
      ],
    },
  ],
  breaks: 1,
};

describe('an update impact as text', () => {
  it('says from and to, every change, the operator changes, each node and its fate, the verdict', () => {
    expect(formatImpact(impact).split('\n')).toEqual([
      'acme.text 1.4.0 → 2.0.0',
      'Changes: 1 breaking, 1 possibly breaking',
      '  - [breaking] node upper: input "text" was removed',
      '  - [possibly breaking] node lower: output "text" changed type',
      'For the operator (plugin config and integrations):',
      '  - [breaking] config "locale" is now required',
      'Workflows it reaches (1):',
      '  loud greeting (wf_1)',
      '    shout (acme.text/upper, runs on 1.4.0): moves to 2.0.0 and breaks',
      '      - [breaking] input "text" was removed',
      '        in this workflow: the node maps "text" from node name',
      '    quiet (acme.text/lower@~1.4, runs on 1.4.0): stays pinned on 1.4.0 (its range does not take 2.0.0)',
      '      - [possibly breaking] output "text" changed type',
      '        in this workflow: node "greet" reads "text"',
      '1 workflow node would break on 2.0.0 once it is current.',
      '1 node stays on 1.4.0 until its workflow is upgraded: plugboard workflows upgrade <workflow> --plugin acme.text --version 2.0.0',
    ]);
  });

  it('names the node of a change only when its message does not', () => {
    const named = formatImpact({
      ...impact,
      changes: [
        {
          kind: 'input_removed',
          severity: 'breaking',
          node: 'upper',
          message: 'input "text" of node "upper" is removed',
        },
      ],
    });
    expect(named).toContain('\n  - [breaking] input "text" of node "upper" is removed\n');
  });

  it('says so when nothing changed and no workflow is reached', () => {
    expect(
      formatImpact({ ...impact, changes: [], operator: [], workflows: [], breaks: 0 }).split('\n'),
    ).toEqual([
      'acme.text 1.4.0 → 2.0.0',
      'No breaking changes between the two versions.',
      'No saved workflow uses what changed.',
      'No saved workflow node would break on 2.0.0.',
    ]);
  });

  it('a node that moves and only may break says so; several breaks are counted', () => {
    const [workflow] = impact.workflows;
    const [shout] = workflow?.nodes ?? [];
    const maybe = {
      ...impact,
      breaks: 2,
      workflows: [
        {
          id: 'wf_2',
          name: 'two',
          nodes: [
            {
              nodeId: 'a',
              type: 'acme.text/lower',
              moves: true,
              changes: [
                {
                  ...(shout?.changes[0] ?? impact.changes[0]),
                  severity: 'possibly_breaking' as const,
                  reason: 'r',
                },
              ],
            },
          ],
        },
      ],
    } as UpdateImpact;
    const text = formatImpact(maybe);
    expect(text).toContain('    a (acme.text/lower, runs on 1.4.0): moves to 2.0.0 and may break');
    expect(text).toContain('2 workflow nodes would break on 2.0.0 once it is current.');
    expect(text).not.toContain('stays on');
  });
});

describe('the versions table and an upgrade', () => {
  it('one row per version, newest first, as listed', () => {
    const table = formatVersions(
      record([
        entry('2.0.0', 'rolled_back', {
          running: false,
          installedAt: '2026-12-06T14:05:01.123Z',
          reason: 'rolled back by the operator',
        }),
        entry('1.0.0', 'current', { installedAt: '2026-12-06T13:00:00Z', nodes: ['a', 'b'] }),
      ]),
    );
    expect(table.split('\n')).toEqual([
      'VERSION  STATE        RUNNING  INSTALLED             NODES  REASON',
      '2.0.0    rolled_back  no       2026-12-06 14:05:01Z      1  rolled back by the operator',
      '1.0.0    current      yes      2026-12-06 13:00:00Z      2',
    ]);
    expect(formatVersions(record([]))).toBe('acme.text has no version installed.');
  });

  it('lists the references rewritten, or says none was', () => {
    const workflow = {
      id: 'wf_1',
      name: 'loud greeting',
    } as Parameters<typeof formatUpgrade>[0]['workflow'];
    expect(
      formatUpgrade(
        {
          workflow,
          upgraded: [{ nodeId: 'shout', from: 'acme.text/upper@^1', to: 'acme.text/upper@^2' }],
        },
        'acme.text',
      ),
    ).toBe(
      'Upgraded 1 node of "loud greeting" (wf_1):\n  shout: acme.text/upper@^1 → acme.text/upper@^2',
    );
    expect(formatUpgrade({ workflow, upgraded: [] }, 'acme.text')).toBe(
      'No node of "loud greeting" (wf_1) needed a new reference to acme.text.',
    );
  });
});

describe('flags', () => {
  it('takes one source; git-only flags only with --git', () => {
    expect(sourceKind({})).toBeUndefined();
    expect(sourceKind({ file: 'a.tar.gz' })).toBe('file');
    expect(sourceKind({ git: 'https://x/y.git', ref: 'v2', gitToken: 't' })).toBe('git');
    expect(() => sourceKind({ file: 'a.tar.gz', git: 'https://x' })).toThrow(
      'give one source: --git and --file were both given',
    );
    expect(() => sourceKind({ local: '.', ref: 'v2', gitToken: 't' })).toThrow(
      '--ref, --git-token only go with --git <url>',
    );
  });

  it('--timeout is a positive number of seconds', () => {
    expect(timeoutMs('1.5')).toBe(1500);
    expect(() => timeoutMs('0')).toThrow('--timeout takes a number of seconds, not "0"');
    expect(() => timeoutMs('soon')).toThrow('not "soon"');
  });
});
