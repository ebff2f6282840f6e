import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { createLogger } from './logger.ts';
import { createLoginThrottle, type LoginLimits } from './login-throttle.ts';

function aThrottle(overrides: Partial<LoginLimits> = {}) {
  const lines: Array<Record<string, unknown>> = [];
  const sink = new Writable({
    write(chunk, _enc, cb) {
      for (const l of String(chunk).split('\n').filter(Boolean)) lines.push(JSON.parse(l) as Record<string, unknown>);
      cb();
    },
  });
  const clock = { t: 0 };
  const throttle = createLoginThrottle({ maxFailures: 10, maxFailuresPerAddress: 50, windowMs: 60_000, lockoutMs: 300_000, ...overrides }, createLogger('info', sink), () => clock.t);
  // A Writable may hand on a chunk a tick after it was written.
  const logged = async () => {
    await new Promise((r) => setImmediate(r));
    return lines;
  };
  return { throttle, clock, logged };
}

describe('MQTT login throttle', () => {
  it('logs the first failure of a window and the lockout, not every attempt', async () => {
    const { throttle, clock, logged } = aThrottle();
    for (let i = 0; i < 30; i++) {
      if (throttle.admit('acme', '10.0.0.1').allowed) throttle.failed('acme', '10.0.0.1');
      clock.t += 50;
    }
    const msgs = (await logged()).map((l) => [l['msg'], l['username'] ?? l['address']]);
    expect(msgs).toEqual([
      ['mqtt login failed (further failures within the window are counted in /metrics, not logged)', 'acme'],
      ['mqtt login failed (further failures within the window are counted in /metrics, not logged)', '10.0.0.1'],
      ['mqtt logins locked out after repeated failures', 'acme'],
    ]);
    expect(throttle.stats).toMatchObject({ failures: 30, lockouts: 1 });
    expect(throttle.stats.throttled).toBeGreaterThan(0);
  });

  it('refuses the right credentials of a locked-out username at that address without checking them; elsewhere it is not locked', () => {
    const { throttle, clock } = aThrottle({ maxFailures: 3 });
    for (let i = 0; i < 3; i++) {
      throttle.failed('acme', '10.0.0.1');
      clock.t += 60_000 / 10;
    }
    expect(throttle.admit('acme', '10.0.0.1')).toMatchObject({ allowed: false });
    // Someone failing with acme's name elsewhere does not shut acme's own client out.
    expect(throttle.admit('acme', '10.0.0.2')).toEqual({ allowed: true, retryAfterMs: 0 });
    expect(throttle.admit('beta', '10.0.0.1')).toEqual({ allowed: true, retryAfterMs: 0 });
    clock.t += 300_000;
    expect(throttle.admit('acme', '10.0.0.1').allowed).toBe(true);
  });

  it('locks out an address that fails across many usernames, without backoff for its other users before that', () => {
    const { throttle } = aThrottle({ maxFailuresPerAddress: 5 });
    for (let i = 0; i < 4; i++) throttle.failed(`user${i}`, '10.0.0.9');
    expect(throttle.admit('someone', '10.0.0.9').allowed).toBe(true);
    throttle.failed('user4', '10.0.0.9');
    expect(throttle.admit('someone', '10.0.0.9').allowed).toBe(false);
    expect(throttle.admit('someone', '10.0.0.8').allowed).toBe(true);
  });

  it('usernames that are no tenant name share one key: their number and length are not the client to choose', () => {
    const { throttle } = aThrottle({ maxFailures: 2, maxFailuresPerAddress: 0 });
    throttle.failed('x'.repeat(10_000), '10.0.0.1');
    throttle.failed('not a tenant!', '10.0.0.1');
    expect(throttle.admit(undefined, '10.0.0.1').allowed).toBe(false);
    expect(throttle.admit('acme', '10.0.0.1').allowed).toBe(true);
  });

  it('maxFailuresPerAddress 0 disables the limit per address', () => {
    const { throttle } = aThrottle({ maxFailuresPerAddress: 0, maxFailures: 1000 });
    for (let i = 0; i < 500; i++) throttle.failed(`user${i}`, '10.0.0.1');
    expect(throttle.admit('fresh', '10.0.0.1').allowed).toBe(true);
  });
});
