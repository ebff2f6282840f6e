import { describe, expect, it } from 'vitest';
import { slicedTick } from './tick.ts';

/** A tick over `n` devices whose scheduled turns the test runs one at a time. */
function setup(n: number, slice = 500) {
  const devices = new Map<string, number>(Array.from({ length: n }, (_, i) => [`d${i}`, 0]));
  const turns: Array<() => void> = [];
  const seen: Array<{ key: string; t0: number }> = [];
  let clock = 1_000;
  let stopped = false;
  const tick = slicedTick({
    keys: () => devices.keys(),
    evaluate: (key, t0) => void seen.push({ key, t0 }),
    now: () => clock++,
    slice,
    schedule: (fn) => void turns.push(fn),
    stopped: () => stopped,
  });
  const turn = () => turns.shift()!();
  return { devices, turns, seen, tick, turn, stop: () => (stopped = true) };
}

describe('the periodic evaluation in slices (alerts/tick.ts)', () => {
  it('evaluates every device once, at most a slice per turn, all at the tick\'s one time', () => {
    const s = setup(1_234);
    s.tick.start();
    expect(s.seen.length).toBe(500);
    s.turn();
    expect(s.seen.length).toBe(1_000);
    s.turn();
    expect(s.seen.length).toBe(1_234);
    expect(s.tick.running).toBe(false);
    expect(s.turns).toEqual([]);
    expect(new Set(s.seen.map((x) => x.key)).size).toBe(1_234);
    expect(new Set(s.seen.map((x) => x.t0))).toEqual(new Set([1_000]));
  });

  it('a tick due while one runs is let pass; devices added meanwhile are evaluated too', () => {
    const s = setup(800);
    s.tick.start();
    s.tick.start();
    expect(s.seen.length).toBe(500);
    s.devices.set('late', 0);
    s.turn();
    expect(s.seen.length).toBe(801);
    expect(s.seen.at(-1)!.key).toBe('late');
    s.tick.start();
    expect(s.seen.length).toBe(1_301);
  });

  it('finish() runs the rest at once; a stopped role evaluates nothing more', () => {
    const s = setup(2_000);
    s.tick.start();
    s.tick.finish();
    expect(s.seen.length).toBe(2_000);
    expect(s.tick.running).toBe(false);
    s.turns.splice(0).forEach((fn) => fn());
    expect(s.seen.length).toBe(2_000);
    const t = setup(2_000);
    t.tick.start();
    t.stop();
    t.turn();
    expect(t.seen.length).toBe(500);
    expect(t.tick.running).toBe(false);
    t.tick.start();
    expect(t.seen.length).toBe(500);
  });
});
