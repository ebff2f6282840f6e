/**
 * The writer side's transactions (gather.ts): batches handed over are written together once the
 * window passed or enough events came, one write at a time, and a failed write does not stop the
 * ones after it.
 */
import { describe, expect, it } from 'vitest';
import { createGather } from './gather.ts';
import type { EventBatch } from './writer.ts';

const batch = (...ns: number[]): EventBatch => ns.flatMap((n) => ['acme:d1/events', String(n)]);
const events = (b: EventBatch) => b.filter((_, i) => i % 2 === 1).map(Number);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function setup(opts: { ms?: number; maxEvents?: number; fail?: (n: number) => boolean } = {}) {
  const writes: number[][] = [];
  const stored: number[] = [];
  const errors: unknown[] = [];
  let active = 0;
  let overlapped = false;
  const gather = createGather({
    ms: opts.ms ?? 30,
    maxEvents: opts.maxEvents ?? 1000,
    write: async (b) => {
      if (active++) overlapped = true;
      await sleep(5);
      active--;
      const n = writes.push(events(b));
      if (opts.fail?.(n)) throw new Error('disk I/O error');
      return b.length / 2;
    },
    stored: (n) => stored.push(n),
    onError: (err) => errors.push(err),
  });
  return { gather, writes, stored, errors, overlapped: () => overlapped };
}

describe('message log transactions (gather)', () => {
  it('writes the batches of one window in one write, after the window', async () => {
    const { gather, writes, stored } = setup();
    gather.add(batch(1, 2));
    gather.add(batch(3));
    expect(gather.gathered).toBe(3);
    await sleep(10);
    expect(writes).toEqual([]);
    await sleep(40);
    expect(writes).toEqual([[1, 2, 3]]);
    expect(gather.gathered).toBe(0);
    await gather.flush();
    expect(stored).toEqual([3]);
  });

  it('writes at once when the events gathered reach the most a transaction may hold', async () => {
    const { gather, writes } = setup({ ms: 60_000, maxEvents: 4 });
    gather.add(batch(1, 2, 3));
    gather.add(batch(4, 5));
    gather.add(batch(6));
    await gather.flush();
    expect(writes).toEqual([[1, 2, 3, 4, 5], [6]]);
  });

  it('flush writes what is gathered now, and waits for the writes before it', async () => {
    const { gather, writes } = setup({ ms: 60_000, maxEvents: 2 });
    gather.add(batch(1, 2)); // written at once: in flight while the next is gathered
    gather.add(batch(3));
    await gather.flush();
    expect(writes).toEqual([[1, 2], [3]]);
  });

  it('writes one at a time, and a write that throws is reported without stopping the next', async () => {
    const s = setup({ ms: 60_000, maxEvents: 1, fail: (n) => n === 1 });
    s.gather.add(batch(1));
    s.gather.add(batch(2));
    s.gather.add(batch(3));
    await s.gather.flush();
    expect(s.writes).toEqual([[1], [2], [3]]);
    expect(s.overlapped()).toBe(false);
    expect(s.errors.map((e) => (e as Error).message)).toEqual(['disk I/O error']);
    // The one that threw still counts as over: the backlog upstream comes down by its events.
    expect(s.stored).toEqual([1, 1, 1]);
  });

  it('takes no empty batch and writes nothing when nothing is gathered', async () => {
    const { gather, writes } = setup();
    gather.add([]);
    await gather.flush();
    await sleep(40);
    expect(writes).toEqual([]);
  });
});
