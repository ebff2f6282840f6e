/**
 * Failed logins, throttled per user (an MQTT username, a charge point identity) and per remote
 * address (docs/mqtt.md "Failed logins", docs/chargers.md "Failed authentications"): the policy
 * is failure-limiter.ts, this is its shell for the broker and the OCPP handshake: two limiters,
 * the counters for /metrics, and one log line per key and window instead of one per attempt.
 */
import { createFailureLimiter, type FailureLimiter, type FailureReport } from './failure-limiter.ts';
import type { Logger } from './logger.ts';

export interface LoginLimits {
  /** Failures per username within the window that lock the username out. */
  maxFailures: number;
  /** Failures per remote address within the window that lock the address out; 0: no limit per address. */
  maxFailuresPerAddress: number;
  windowMs: number;
  lockoutMs: number;
}

export interface LoginStats {
  /** Logins refused: wrong credentials, or attempted during a backoff or lockout. */
  readonly failures: number;
  /** Lockouts begun (of a username or an address). */
  readonly lockouts: number;
  /** Logins refused without checking the credentials (backoff or lockout). */
  readonly throttled: number;
}

export interface LoginThrottle {
  /** Whether the credentials of this attempt may be checked at all. */
  admit(username: string | undefined, address: string): { allowed: boolean; retryAfterMs: number };
  failed(username: string | undefined, address: string): void;
  succeeded(username: string | undefined, address: string): void;
  readonly stats: LoginStats;
}

export interface ThrottleNaming {
  /** What is logged in: 'mqtt login', 'charger authentication'. */
  what: string;
  /**
   * Users that can exist map to themselves; anything else can never log in and must map to
   * one shared key, so that neither the number nor the length of tracked keys is the client's
   * to choose.
   */
  isUser(u: string): boolean;
}

const OTHER_USERNAME = '\0not-a-user';

export function createLoginThrottle(limits: LoginLimits, log: Logger, now: () => number = Date.now, naming: ThrottleNaming = MQTT_NAMING): LoginThrottle {
  const userKey = (u: string | undefined) => (u !== undefined && naming.isUser(u) ? u : OTHER_USERNAME);
  // Per user *from one address*: failures from elsewhere (someone else, maybe another tenant,
  // trying a tenant's name or a charger's identity) must not lock out the rightful client at its
  // own address, or anyone could shut a tenant or a charger out. Guessing from many addresses is
  // bounded by the per-address limit of each.
  const pairKey = (u: string | undefined, address: string) => `${userKey(u)}\u0000${address}`;
  const opts = { windowMs: limits.windowMs, lockoutMs: limits.lockoutMs, now };
  const users = createFailureLimiter({ ...opts, maxFailures: limits.maxFailures });
  // No backoff per address: one client's wrong password must not slow the others behind the
  // same address (a NAT, a platform's egress); only a lockout past many failures.
  const addresses: FailureLimiter | null = limits.maxFailuresPerAddress > 0 ? createFailureLimiter({ ...opts, maxFailures: limits.maxFailuresPerAddress, backoffMs: 0 }) : null;
  const stats = { failures: 0, lockouts: 0, throttled: 0 };

  function report(r: FailureReport, key: Record<string, string>) {
    if (r.lockedOut) {
      stats.lockouts++;
      log.warn({ ...key, failures: r.failures, lockoutMs: limits.lockoutMs }, `${naming.what}s locked out after repeated failures`);
    } else if (r.first) {
      log.warn({ ...key, windowMs: limits.windowMs }, `${naming.what} failed (further failures within the window are counted in /metrics, not logged)`);
    }
  }

  const throttle: LoginThrottle = {
    admit(username, address) {
      const u = users.check(pairKey(username, address));
      const a = addresses?.check(address) ?? u;
      if (u.allowed && a.allowed) return { allowed: true, retryAfterMs: 0 };
      stats.throttled++;
      // An attempt that did not wait out its backoff is one more failure; one during a lockout
      // is not (it would extend the lockout for whoever holds the right token).
      if (!u.locked && !a.locked) throttle.failed(username, address);
      else stats.failures++;
      return { allowed: false, retryAfterMs: Math.max(u.retryAfterMs, a.retryAfterMs) };
    },
    failed(username, address) {
      stats.failures++;
      const key = userKey(username);
      report(users.fail(pairKey(username, address)), { username: key === OTHER_USERNAME ? '(not a valid name)' : key, address });
      if (addresses) report(addresses.fail(address), { address });
    },
    succeeded(username, address) {
      users.succeed(pairKey(username, address));
    },
    stats,
  };
  return throttle;
}

// MQTT usernames are tenant names (interface.md "MQTT").
const TENANT = /^[A-Za-z0-9_.-]{1,64}$/;
export const MQTT_NAMING: ThrottleNaming = { what: 'mqtt login', isUser: (u) => TENANT.test(u) };
