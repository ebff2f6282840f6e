import { describe, expect, it } from 'vitest';
import { createFailureLimiter, type FailureLimiterOptions } from './failure-limiter.ts';

function aLimiter(overrides: Partial<FailureLimiterOptions> = {}) {
  const clock = { t: 1_000_000 };
  const limiter = createFailureLimiter({ maxFailures: 5, windowMs: 60_000, lockoutMs: 300_000, backoffMs: 100, now: () => clock.t, ...overrides });
  return { limiter, clock };
}

describe('failure limiter', () => {
  it('allows an unknown key and forgets a key on success', () => {
    const { limiter } = aLimiter();
    expect(limiter.check('u')).toEqual({ allowed: true, retryAfterMs: 0, locked: false });
    limiter.fail('u');
    expect(limiter.check('u').allowed).toBe(false);
    limiter.succeed('u');
    expect(limiter.check('u').allowed).toBe(true);
    expect(limiter.size).toBe(0);
  });

  it.each([
    [1, 100],
    [2, 200],
    [3, 400],
    [4, 800],
  ])('after %i failures the next attempt waits %i ms (backoff)', (n, wait) => {
    const { limiter, clock } = aLimiter();
    for (let i = 0; i < n; i++) limiter.fail('u');
    expect(limiter.check('u')).toEqual({ allowed: false, retryAfterMs: wait, locked: false });
    clock.t += wait - 1;
    expect(limiter.check('u').allowed).toBe(false);
    clock.t += 1;
    expect(limiter.check('u').allowed).toBe(true);
  });

  it('locks a key out after maxFailures within the window, for lockoutMs, even with the right credentials', () => {
    const { limiter, clock } = aLimiter();
    const reports = Array.from({ length: 5 }, () => limiter.fail('u'));
    expect(reports.map((r) => r.first)).toEqual([true, false, false, false, false]);
    expect(reports.map((r) => r.lockedOut)).toEqual([false, false, false, false, true]);
    expect(limiter.check('u')).toEqual({ allowed: false, retryAfterMs: 300_000, locked: true });
    clock.t += 299_999;
    expect(limiter.check('u').locked).toBe(true);
    clock.t += 1;
    expect(limiter.check('u').allowed).toBe(true);
  });

  it('attempts during a lockout do not extend it', () => {
    const { limiter, clock } = aLimiter();
    for (let i = 0; i < 5; i++) limiter.fail('u');
    clock.t += 100_000;
    expect(limiter.fail('u')).toEqual({ failures: 5, first: false, lockedOut: false });
    expect(limiter.check('u').retryAfterMs).toBe(200_000);
  });

  it('after a lockout a failure starts a new window (logged again)', () => {
    const { limiter, clock } = aLimiter();
    for (let i = 0; i < 5; i++) limiter.fail('u');
    clock.t += 300_000;
    expect(limiter.fail('u')).toEqual({ failures: 1, first: true, lockedOut: false });
  });

  it('failures spread wider than the window never lock out', () => {
    const { limiter, clock } = aLimiter();
    for (let i = 0; i < 20; i++) {
      expect(limiter.fail('u').lockedOut).toBe(false);
      clock.t += 20_000; // four failures per 60 s window at most
      if (i % 4 === 3) clock.t += 1;
    }
  });

  it('keys are independent', () => {
    const { limiter } = aLimiter();
    for (let i = 0; i < 5; i++) limiter.fail('a');
    expect(limiter.check('a').locked).toBe(true);
    expect(limiter.check('b').allowed).toBe(true);
  });

  it('tracks at most maxKeys, forgetting the one that failed least recently', () => {
    const { limiter } = aLimiter({ maxKeys: 3 });
    limiter.fail('a');
    limiter.fail('b');
    limiter.fail('c');
    limiter.fail('a'); // a is now the most recent
    limiter.fail('d');
    expect(limiter.size).toBe(3);
    expect(limiter.check('b').allowed).toBe(true); // forgotten
    expect(limiter.check('a').allowed).toBe(false);
    expect(limiter.check('c').allowed).toBe(false);
  });

  it('backoff 0 only locks out', () => {
    const { limiter } = aLimiter({ backoffMs: 0 });
    for (let i = 0; i < 4; i++) limiter.fail('u');
    expect(limiter.check('u').allowed).toBe(true);
    limiter.fail('u');
    expect(limiter.check('u').locked).toBe(true);
  });
});
