// The desired state's one path in: pulls never overlap, and a nudge during a pull is answered by
// one pull after it, which sees what the platform holds after the change the nudge was about.
import { describe, expect, it } from 'vitest';
import type { DesiredPlugin, DesiredState } from '@plugboard/server-api';
import { DesiredStatePull } from '../src/reconcile/desired-state-pull.ts';

function platform() {
  const waiting: { resolve: (state: DesiredState) => void; reject: (e: Error) => void }[] = [];
  let version = 0;
  return {
    waiting,
    /** The platform's list changes: the next answer names a newer plugin. */
    change: () => (version += 1),
    answer: () => {
      waiting.shift()?.resolve({
        plugins: [
          {
            id: `v${String(version)}`,
            source: { type: 'upload', fileId: 'f' },
            status: 'running',
          },
        ],
      });
    },
    fail: () => waiting.shift()?.reject(new Error('platform away')),
    fetch: () => new Promise<DesiredState>((resolve, reject) => waiting.push({ resolve, reject })),
  };
}

const ids = (plugins: readonly DesiredPlugin[]) => plugins.map((p) => p.id);

describe('DesiredStatePull', () => {
  it('never overlaps pulls; nudges during a pull share the one after it', async () => {
    const source = platform();
    const seen: string[][] = [];
    let answered = 0;
    const pull = new DesiredStatePull({
      fetch: source.fetch,
      reconcile: (plugins) => {
        seen.push(ids(plugins));
        return { durationMs: 0, actions: [] };
      },
      answered: () => (answered += 1),
    });
    const first = pull.now();
    source.change();
    const second = pull.now();
    const third = pull.now();
    expect(second).toBe(third);
    expect(source.waiting).toHaveLength(1);
    source.answer();
    await first;
    await new Promise((resolve) => setImmediate(resolve));
    expect(source.waiting).toHaveLength(1);
    source.answer();
    await second;
    expect(seen).toEqual([['v1'], ['v1']]);
    expect(answered).toBe(2);
  });

  it('a failed pull rejects its callers and the next nudge pulls again', async () => {
    const source = platform();
    const pull = new DesiredStatePull({
      fetch: source.fetch,
      reconcile: () => ({ durationMs: 0, actions: [] }),
      answered: () => undefined,
    });
    const failing = pull.now();
    const queued = pull.now();
    source.fail();
    await expect(failing).rejects.toThrow('platform away');
    await new Promise((resolve) => setImmediate(resolve));
    source.answer();
    await expect(queued).resolves.toEqual({ durationMs: 0, actions: [] });
    const again = pull.now();
    source.answer();
    await expect(again).resolves.toEqual({ durationMs: 0, actions: [] });
  });
});
