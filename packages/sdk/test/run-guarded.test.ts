import { describe, expect, it } from 'vitest';
import { ConcurrencyLimit } from '../src/dispatch/concurrency-limit.ts';
import { runGuarded } from '../src/dispatch/run-guarded.ts';

describe('runGuarded', () => {
  it('holds the slot until the work settles, even after answering at the deadline', async () => {
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
    expect(limit.inFlight).toBe(1);
    await expect(
      runGuarded(() => 'x', { limit, timeoutMs: 20, signal: new AbortController().signal }),
    ).rejects.toMatchObject({
      code: 'PLUGIN_OVERLOADED',
    });
    finish();
    await limit.idle();
    expect(limit.inFlight).toBe(0);
    await expect(
      runGuarded(() => 'ok', { limit, timeoutMs: 20, signal: new AbortController().signal }),
    ).resolves.toBe('ok');
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
