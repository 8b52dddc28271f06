// A run's events leave in order, one write at a time, with whatever arrived during a write
// gathered into the next.
import { describe, expect, it } from 'vitest';
import { RunEventBatch, type PendingEvent } from '../src/runs/run-event-batch.ts';

const event = (nodeId: string): PendingEvent => ({ type: 'node.started', data: { nodeId } });

describe('RunEventBatch', () => {
  it('writes events in order, gathering those that arrive during a write into one', async () => {
    const writes: string[][] = [];
    let inFlight = 0;
    let release: () => void = () => undefined;
    const batch = new RunEventBatch(async (events) => {
      inFlight += 1;
      expect(inFlight).toBe(1);
      writes.push(events.map((e) => String(e.data['nodeId'])));
      if (writes.length === 1) {
        await new Promise<void>((resolve) => {
          release = resolve;
        });
      }
      inFlight -= 1;
    });
    batch.add(event('a'));
    await Promise.resolve();
    // The first write is in flight: these three wait for it and leave together.
    batch.add(event('b'));
    batch.add(event('c'));
    batch.add(event('d'));
    release();
    await batch.written();
    expect(writes).toEqual([['a'], ['b', 'c', 'd']]);
    batch.add(event('e'));
    await batch.written();
    expect(writes.at(-1)).toEqual(['e']);
  });

  it('reports a failed write to whoever waits, and writes nothing after it', async () => {
    const writes: number[] = [];
    const batch = new RunEventBatch((events) => {
      writes.push(events.length);
      return Promise.reject(new Error('database gone'));
    });
    batch.add(event('a'));
    // Not waited for yet: the failure must not count as an unhandled rejection meanwhile.
    await new Promise((resolve) => setTimeout(resolve, 10));
    batch.add(event('b'));
    await expect(batch.written()).rejects.toThrow('database gone');
    expect(writes).toEqual([1]);
  });
});
