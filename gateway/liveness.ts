/**
 * One liveness clock per charger and one sweep over all of them, for keepalive and presence
 * alike. The clock is the connection's `lastHeardMs` (common/ocpp-j/connection.ts): Date.now()
 * of the last thing the charger sent, whatever it was (a CALL, an answer to our CALL, even a
 * bad frame, a ping or a pong). Two questions are asked of it:
 *
 * - keepalive: a charger silent for `pingIntervalMs` gets a WebSocket ping (RFC 6455 §5.5.2);
 *   one that still has sent nothing a whole interval after that ping is dropped (terminated:
 *   a dead peer answers no closing handshake). A busy charger is never pinged.
 * - presence: a charger silent past `toleranceMs` (HEARTBEAT_TOLERANCE) is flagged offline in
 *   its shadow; the socket stays open, and the next thing it sends flips it back online
 *   (ChargerSession.heard). One heard within the tolerance has its published `lastSeen` kept at
 *   most half the tolerance behind the clock, so a charger that only answers our pings shows as
 *   seen (interface.md: state shadow).
 *
 * A charger whose socket is not being read (flow control: its CALLs are in handling) is
 * skipped by both: the silence is ours, not its.
 *
 * One sweep rather than a timer per charger: with 18,000 chargers, re-arming a timer on every
 * frame costs more than a sweep every quarter of the shorter period.
 */
export interface LivenessTarget {
  /** The clock: Date.now() of the last frame, ping or pong from the charger. */
  readonly lastHeardMs: number;
  /** Date.now() of our keepalive ping not answered yet; undefined when none is. */
  readonly pingSentMs: number | undefined;
  /** Reading paused (flow control): neither pinged nor flagged while so. */
  readonly readingPaused: boolean;
  /** Online in its shadow and still the charger's current connection (not replaced). */
  readonly present: boolean;
  ping(now: number): void;
  terminate(): void;
  /** Silent past the tolerance: offline, last heard at `lastHeardMs`. */
  markOffline(now: number, lastHeardMs: number): void;
  /** Republishes `lastSeen` as `lastHeardMs` when the published one is more than `maxAgeMs` behind it. */
  refreshSeen(lastHeardMs: number, maxAgeMs: number): void;
}

export interface LivenessOptions {
  /** Silence after which a charger is pinged, and the wait for its answer; 0 turns keepalive off. */
  pingIntervalMs: number;
  /** Silence after which a charger is shown offline (HEARTBEAT_TOLERANCE). */
  toleranceMs: number;
}

export interface SweepResult {
  pinged: number;
  terminated: number;
  offline: number;
}

/** How often the sweep runs: a quarter of the shorter period, within [50 ms, 5 s] (keepalive: at least 250 ms). */
export function sweepEveryMs(o: LivenessOptions): number {
  const presence = Math.max(50, Math.min(5_000, o.toleranceMs / 4));
  return o.pingIntervalMs > 0 ? Math.min(presence, Math.max(250, o.pingIntervalMs / 4)) : presence;
}

/** One sweep at `now` (pure apart from what it asks the targets to do). */
export function sweepLiveness(targets: Iterable<LivenessTarget>, now: number, o: LivenessOptions): SweepResult {
  const r: SweepResult = { pinged: 0, terminated: 0, offline: 0 };
  const interval = o.pingIntervalMs;
  for (const t of targets) {
    if (t.readingPaused) continue;
    const silentMs = now - t.lastHeardMs;
    if (t.present) {
      if (silentMs > o.toleranceMs) {
        t.markOffline(now, t.lastHeardMs);
        r.offline++;
      } else {
        // Half the tolerance: a platform reading `lastSeen` never sees it older than that
        // while the charger is online, whatever it sent (pongs included).
        t.refreshSeen(t.lastHeardMs, o.toleranceMs / 2);
      }
    }
    if (interval <= 0) continue;
    const pingSent = t.pingSentMs;
    if (pingSent !== undefined) {
      if (now - pingSent >= interval) {
        t.terminate();
        r.terminated++;
      }
    } else if (silentMs >= interval) {
      t.ping(now);
      r.pinged++;
    }
  }
  return r;
}

/** The sweep on a timer (unref'd: it never keeps the process up). */
export class LivenessSweeper {
  private timer: NodeJS.Timeout | undefined;
  private readonly targets: () => Iterable<LivenessTarget>;
  private readonly options: LivenessOptions;

  constructor(targets: () => Iterable<LivenessTarget>, options: LivenessOptions) {
    this.targets = targets;
    this.options = Object.freeze({ ...options });
  }

  start(): void {
    if (this.timer) return;
    this.timer = setInterval(() => this.sweep(Date.now()), sweepEveryMs(this.options));
    this.timer.unref();
  }

  sweep(now: number): SweepResult {
    return sweepLiveness(this.targets(), now, this.options);
  }

  stop(): void {
    clearInterval(this.timer);
    this.timer = undefined;
  }
}
