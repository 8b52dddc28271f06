// The one table of status rules: complete, consistent, and what its readers rely on.
import { describe, expect, it } from 'vitest';
import {
  canMoveTo,
  PLUGIN_STATUS_RULES,
  PLUGIN_STATUSES,
  SETTLED_STATUSES,
} from '../src/statuses.ts';

describe('the status rules', () => {
  it('cover every status, and every move leads to a status', () => {
    expect(Object.keys(PLUGIN_STATUS_RULES).sort()).toEqual([...PLUGIN_STATUSES].sort());
    for (const status of PLUGIN_STATUSES) {
      for (const next of Object.keys(PLUGIN_STATUS_RULES[status].next)) {
        expect(PLUGIN_STATUSES, `${status} → ${next}`).toContain(next);
      }
    }
  });

  it('let every status be left, and reach every status from an install', () => {
    const reached = new Set<string>(['installing']);
    for (let round = 0; round < PLUGIN_STATUSES.length; round += 1) {
      for (const from of [...reached]) {
        for (const to of PLUGIN_STATUSES) {
          if (canMoveTo(from as (typeof PLUGIN_STATUSES)[number], to)) {
            reached.add(to);
          }
        }
      }
    }
    expect([...reached].sort()).toEqual([...PLUGIN_STATUSES].sort());
    for (const status of PLUGIN_STATUSES) {
      expect(Object.keys(PLUGIN_STATUS_RULES[status].next).length, status).toBeGreaterThan(0);
    }
  });

  it('say which statuses a call waits out, where operations end, and what is gone', () => {
    const where = (key: 'passing' | 'settled' | 'gone') =>
      PLUGIN_STATUSES.filter((s) => PLUGIN_STATUS_RULES[s][key]);
    expect(where('passing')).toEqual(['installing', 'restarting']);
    expect(SETTLED_STATUSES).toEqual(['running', 'missing_config', 'error', 'uninstalled']);
    expect(where('gone')).toEqual(['uninstalling', 'uninstalled']);
    expect(canMoveTo('uninstalling', 'running')).toBe(false);
    expect(canMoveTo('error', 'running')).toBe(false);
  });
});
