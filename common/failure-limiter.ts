/**
 * Throttle for failed authentications, keyed by whatever the caller chooses (a username, a
 * remote address). Pure: no timers, no I/O, the clock is injected, so it is tested alone and
 * can be shared by the MQTT broker and the OCPP handshake.
 *
 * Policy, per key:
 * - Every failure delays the next attempt: `backoffMs × 2^(failures - 1)` (capped at the
 *   lockout), so a client retrying a wrong password in a tight loop is refused without its
 *   credentials being checked.
 * - `maxFailures` failures within `windowMs` lock the key out for `lockoutMs`: every attempt is
 *   refused, even with the right credentials, until the lockout ends. Attempts refused during
 *   the lockout do not extend it (otherwise a stranger could keep a user out forever).
 * - A success forgets the key.
 *
 * The caller reports an attempt made during a backoff (not a lockout) as a failure: it did not
 * wait as it was told to. Memory is bounded by `maxKeys`: past it the key that failed least
 * recently is forgotten.
 */

export interface FailureLimiterOptions {
  /** Failures within `windowMs` that lock a key out. */
  maxFailures: number;
  windowMs: number;
  lockoutMs: number;
  /** Delay after the first failure, doubled with each further one. 0 disables the backoff. */
  backoffMs?: number;
  /** Keys tracked at most. */
  maxKeys?: number;
  now?: () => number;
}

export interface Verdict {
  allowed: boolean;
  /** 0 when allowed; otherwise how long until an attempt may succeed. */
  retryAfterMs: number;
  /** True while the key is locked out (not merely backing off). */
  locked: boolean;
}

export interface FailureReport {
  /** Failures in the current window, this one included. */
  failures: number;
  /** The first failure of a new window: the one to log. */
  first: boolean;
  /** This failure started a lockout. */
  lockedOut: boolean;
}

export interface FailureLimiter {
  check(key: string): Verdict;
  fail(key: string): FailureReport;
  succeed(key: string): void;
  /** Keys tracked now. */
  readonly size: number;
}

interface Entry {
  failures: number;
  windowStart: number;
  /** Attempts before this time are refused (backoff or lockout). */
  until: number;
  locked: boolean;
}

const ALLOWED: Verdict = Object.freeze({ allowed: true, retryAfterMs: 0, locked: false });

export function createFailureLimiter(opts: FailureLimiterOptions): FailureLimiter {
  const now = opts.now ?? Date.now;
  const backoffMs = opts.backoffMs ?? 100;
  const maxKeys = opts.maxKeys ?? 10_000;
  // Insertion order is the order of the last failure (fail() re-inserts), so the first key is
  // the one to forget when the map is full.
  const entries = new Map<string, Entry>();

  return {
    check(key) {
      const e = entries.get(key);
      const t = now();
      if (!e || t >= e.until) return ALLOWED;
      return { allowed: false, retryAfterMs: e.until - t, locked: e.locked };
    },
    fail(key) {
      const t = now();
      let e = entries.get(key);
      if (e && e.locked && t < e.until) return { failures: e.failures, first: false, lockedOut: false };
      const fresh = !e || e.locked || t - e.windowStart >= opts.windowMs;
      if (e) entries.delete(key);
      else if (entries.size >= maxKeys) entries.delete(entries.keys().next().value!);
      if (!e || fresh) e = { failures: 0, windowStart: t, until: 0, locked: false };
      entries.set(key, e);
      e.failures++;
      if (e.failures >= opts.maxFailures) {
        e.locked = true;
        e.until = t + opts.lockoutMs;
        return { failures: e.failures, first: fresh, lockedOut: true };
      }
      e.until = backoffMs > 0 ? t + Math.min(backoffMs * 2 ** (e.failures - 1), opts.lockoutMs) : 0;
      return { failures: e.failures, first: fresh, lockedOut: false };
    },
    succeed(key) {
      entries.delete(key);
    },
    get size() {
      return entries.size;
    },
  };
}
