import { describe, expect, it } from 'vitest';
import { STUCK_AFTER_MS } from '@plugboard/protocol';
import { ConcurrencyLimit } from '../src/dispatch/concurrency-limit.ts';
import { runGuarded } from '../src/dispatch/run-guarded.ts';

describe('runGuarded', () => {
  it('frees the slot with the answer at the deadline; code that runs on past the grace counts as stuck until it settles', async () => {
    const limit = new ConcurrencyLimit(1);
    let finish: () => void = () => undefined;
    const work = new Promise<string>((resolve) => {
      finish = () => {
        resolve('late');
      };
    });
    await expect(
      runGuarded(() => work, { limit, timeoutMs: 20, signal: new AbortController().signal }),
    ).rejects.toMatchObject({
      code: 'PLUGIN_DEADLINE_EXCEEDED',
    });
    expect(limit.inFlight).toBe(0);
    await expect(
      runGuarded(() => 'next', { limit, timeoutMs: 20, signal: new AbortController().signal }),
    ).resolves.toBe('next');
    expect(limit.stuck).toBe(0);
    await new Promise((resolve) => setTimeout(resolve, STUCK_AFTER_MS + 50));
    expect(limit.stuck).toBe(1);
    finish();
    await work;
    await new Promise(setImmediate);
    expect(limit.stuck).toBe(0);
    expect(limit.inFlight).toBe(0);
  });

  it('counts nothing as stuck when the code stops at its signal', async () => {
    const limit = new ConcurrencyLimit(1);
    await expect(
      runGuarded(
        (signal) =>
          new Promise((_resolve, reject) => {
            signal.addEventListener('abort', () => {
              reject(new Error('stopped'));
            });
          }),
        { limit, timeoutMs: 20, signal: new AbortController().signal },
      ),
    ).rejects.toMatchObject({ code: 'PLUGIN_DEADLINE_EXCEEDED' });
    await new Promise((resolve) => setTimeout(resolve, STUCK_AFTER_MS + 50));
    expect(limit.stuck).toBe(0);
    expect(limit.inFlight).toBe(0);
  });

  it('fails at once for an already aborted caller', async () => {
    const limit = new ConcurrencyLimit(1);
    await expect(
      runGuarded(() => 'x', { limit, timeoutMs: 1000, signal: AbortSignal.abort() }),
    ).rejects.toMatchObject({
      code: 'PLUGIN_CANCELLED',
    });
  });

  it('aborts the signal once the work is done, so nothing it started outlives it', async () => {
    const limit = new ConcurrencyLimit(1);
    let seen: AbortSignal | undefined;
    await runGuarded(
      (signal) => {
        seen = signal;
        return 'done';
      },
      { limit, timeoutMs: 1000, signal: new AbortController().signal },
    );
    await limit.idle();
    expect(seen?.aborted).toBe(true);
  });
});
