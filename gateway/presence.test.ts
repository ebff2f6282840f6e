import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { PresenceSweeper, type PresenceTarget } from './presence.ts';

function target(lastSeenMs: number): PresenceTarget & { offlineAt: number[] } {
  const t = {
    lastSeenMs,
    online: true,
    offlineAt: [] as number[],
    markOffline(now: number) {
      t.online = false;
      t.offlineAt.push(now);
    },
  };
  return t;
}

describe('PresenceSweeper', () => {
  beforeEach(() => vi.useFakeTimers());
  afterEach(() => vi.useRealTimers());

  it('flags only chargers silent past the tolerance, once', () => {
    const now = Date.now();
    const quiet = target(now);
    const chatty = target(now);
    const sweeper = new PresenceSweeper(() => [quiet, chatty], 10_000);
    sweeper.start();
    vi.advanceTimersByTime(6_000);
    chatty.lastSeenMs = Date.now();
    // Sweeps run every tolerance/4 (2.5 s): the one at 12.5 s is the first past 10 s of silence.
    vi.advanceTimersByTime(7_000);
    expect(quiet.offlineAt).toHaveLength(1);
    expect(chatty.online).toBe(true);
    vi.advanceTimersByTime(60_000);
    expect(quiet.offlineAt).toHaveLength(1);
    sweeper.stop();
  });

  it('asks an online charger heard within the tolerance to refresh its lastSeen (pongs, answers)', () => {
    const refreshed: number[] = [];
    const heard = { ...target(9_000), refreshSeen: (maxAgeMs: number) => refreshed.push(maxAgeMs) };
    const silent = { ...target(0), refreshSeen: (maxAgeMs: number) => refreshed.push(-maxAgeMs) };
    new PresenceSweeper(() => [heard, silent], 4_000).sweep(10_000);
    expect(refreshed).toEqual([2_000]);
  });

  it('sweep() reports how many it flagged', () => {
    const s = new PresenceSweeper(() => [target(0), target(5_000), target(9_000)], 4_000);
    expect(s.sweep(10_000)).toBe(2);
  });
});
